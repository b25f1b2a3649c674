// The builder's only way to the server: the public /api/v1, with the API
// token (when the server asks for one) kept in sessionStorage and sent as
// Authorization: Bearer, never in a URL.
import { signal } from '../vendor/preact.js';

const TOKEN_KEY = 'flowline.api_token';

/** tokenWanted is true while the server answered 401 and no token is set. */
export const tokenWanted = signal(false);
/** tokenRejected is true when the last token given was refused. */
export const tokenRejected = signal(false);

let waiters = [];

/** setToken keeps the token for this tab and resumes the calls that waited. */
export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  tokenWanted.value = false;
  const w = waiters;
  waiters = [];
  w.forEach((resolve) => resolve());
}

/** ApiError is a failed call: status and the problem+json document. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `the server answered ${status}`);
    this.status = status;
    this.problem = problem || { title: `HTTP ${status}`, status };
    this.errors = this.problem.errors || [];
  }
}

/**
 * api calls /api/v1 + path with an optional JSON body and returns the
 * decoded answer (null for 204). A 401 asks for the token and tries again;
 * other failures throw an ApiError carrying the problem document.
 */
export async function api(method, path, body) {
  for (;;) {
    const headers = { Accept: 'application/json' };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch('/api/v1' + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit',
      });
    } catch (e) {
      throw new ApiError(0, { title: 'No answer', detail: `the server did not answer (${e.message}); is flowline running?` });
    }
    if (res.status === 401) {
      tokenRejected.value = !!token;
      if (token) sessionStorage.removeItem(TOKEN_KEY);
      tokenWanted.value = true;
      await new Promise((resolve) => waiters.push(resolve));
      continue;
    }
    if (res.status === 204) return null;
    const text = await res.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = { title: `HTTP ${res.status}`, detail: text.slice(0, 500) };
      }
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }
}

/** get, post, put and del are api with a fixed method. */
export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b === undefined ? {} : b);
export const put = (p, b) => api('PUT', p, b);
export const del = (p) => api('DELETE', p);

/** enc escapes a path segment. */
export const enc = encodeURIComponent;
