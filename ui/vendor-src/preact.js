// Entry of web/vendor/preact.js: Preact, its hooks, htm bound to Preact's h,
// and signals, as one ES module (bundled by `make vendor`).
import { h } from 'preact';
import htm from 'htm';

export { h, render, Fragment, createContext, createRef, toChildArray } from 'preact';
export {
  useState, useEffect, useLayoutEffect, useMemo, useCallback, useRef, useContext, useReducer, useId,
} from 'preact/hooks';
export {
  signal, computed, effect, batch, Signal, useSignal, useComputed, useSignalEffect,
} from '@preact/signals';

/** html is htm bound to Preact: html`<p>${x}</p>` builds a vnode. */
export const html = htm.bind(h);
