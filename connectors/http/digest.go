package httpconn

import (
	"context"
	"crypto/md5" //nolint:gosec // RFC 7616 still names MD5; servers pick it
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
)

// challenge is one WWW-Authenticate challenge: a scheme and its parameters
// (names in lower case).
type challenge struct {
	scheme string
	params map[string]string
}

// parseChallenges reads every challenge of the WWW-Authenticate headers. A
// header may hold several challenges separated by commas: a new one starts
// at a token that is not followed by "=".
func parseChallenges(values []string) []challenge {
	var out []challenge
	for _, v := range values {
		p := headerParser{s: v}
		for {
			p.skip(", \t")
			scheme := p.token()
			if scheme == "" {
				break
			}
			ch := challenge{scheme: strings.ToLower(scheme), params: map[string]string{}}
			for {
				p.skip(", \t")
				mark := p.i
				name := p.token()
				if name == "" {
					break
				}
				p.skip(" \t")
				if !p.consume('=') {
					p.i = mark // the next challenge's scheme
					break
				}
				p.skip(" \t")
				ch.params[strings.ToLower(name)] = p.value()
			}
			out = append(out, ch)
			if p.i >= len(p.s) {
				break
			}
		}
	}
	return out
}

// headerParser walks an RFC 9110 header value.
type headerParser struct {
	s string
	i int
}

func (p *headerParser) skip(chars string) {
	for p.i < len(p.s) && strings.IndexByte(chars, p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *headerParser) consume(b byte) bool {
	if p.i < len(p.s) && p.s[p.i] == b {
		p.i++
		return true
	}
	return false
}

func (p *headerParser) token() string {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// value reads a token or a quoted string (unescaping backslashes).
func (p *headerParser) value() string {
	if !p.consume('"') {
		start := p.i
		for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != ' ' && p.s[p.i] != '\t' {
			p.i++
		}
		return p.s[start:p.i]
	}
	var sb strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '\\' && p.i < len(p.s):
			sb.WriteByte(p.s[p.i])
			p.i++
		case c == '"':
			return sb.String()
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// digestAlgorithms ranks the supported algorithms, strongest first.
var digestAlgorithms = []string{"SHA-256", "SHA-256-SESS", "MD5", "MD5-SESS"}

// pickDigest returns the strongest Digest challenge offered, if any.
func pickDigest(values []string) (challenge, bool) {
	best, bestRank := challenge{}, len(digestAlgorithms)
	for _, ch := range parseChallenges(values) {
		if ch.scheme != "digest" || ch.params["nonce"] == "" {
			continue
		}
		alg := strings.ToUpper(ch.params["algorithm"])
		if alg == "" {
			alg = "MD5"
		}
		for rank, a := range digestAlgorithms {
			if a == alg && rank < bestRank {
				best, bestRank = ch, rank
				best.params["algorithm"] = alg
			}
		}
	}
	return best, bestRank < len(digestAlgorithms)
}

// digestAuthorization computes the Authorization header answering ch
// (RFC 7616). qop auth is preferred; auth-int hashes the body; without qop
// the RFC 2069 form is used.
func digestAuthorization(ch challenge, method, uri, username, password string, body []byte, nc int, cnonce string) string {
	alg := ch.params["algorithm"]
	newHash := md5.New
	if strings.HasPrefix(alg, "SHA-256") {
		newHash = sha256.New
	}
	h := func(parts ...string) string { return hashHex(newHash, strings.Join(parts, ":")) }

	realm, nonce := ch.params["realm"], ch.params["nonce"]
	qop := ""
	for _, q := range strings.Split(ch.params["qop"], ",") {
		switch strings.TrimSpace(strings.ToLower(q)) {
		case "auth":
			qop = "auth"
		case "auth-int":
			if qop == "" {
				qop = "auth-int"
			}
		}
	}
	ncs := fmt.Sprintf("%08x", nc)

	ha1 := h(username, realm, password)
	if strings.HasSuffix(alg, "-SESS") {
		ha1 = h(ha1, nonce, cnonce)
	}
	ha2 := h(method, uri)
	if qop == "auth-int" {
		ha2 = h(method, uri, hashHex(newHash, string(body)))
	}
	var response string
	if qop == "" {
		response = h(ha1, nonce, ha2)
	} else {
		response = h(ha1, nonce, ncs, cnonce, qop, ha2)
	}

	user := username
	userhash := strings.EqualFold(ch.params["userhash"], "true")
	if userhash {
		user = h(username, realm)
	}
	var sb strings.Builder
	sb.WriteString("Digest ")
	fmt.Fprintf(&sb, `username=%s, realm=%s, nonce=%s, uri=%s, algorithm=%s, response="%s"`,
		quote(user), quote(realm), quote(nonce), quote(uri), alg, response)
	if o, ok := ch.params["opaque"]; ok {
		fmt.Fprintf(&sb, ", opaque=%s", quote(o))
	}
	if qop != "" {
		fmt.Fprintf(&sb, `, qop=%s, nc=%s, cnonce="%s"`, qop, ncs, cnonce)
	}
	if userhash {
		sb.WriteString(", userhash=true")
	}
	return sb.String()
}

func hashHex(newHash func() hash.Hash, s string) string {
	hh := newHash()
	io.WriteString(hh, s)
	return hex.EncodeToString(hh.Sum(nil))
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func newCnonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// answerDigest answers a 401 Digest challenge, and once more if the server
// says the nonce went stale. The first request never carries credentials and
// Basic is never sent. Any other response is returned as is.
func (c *Connector) answerDigest(ctx context.Context, hc *http.Client, pr *preparedRequest, resp *http.Response) (*http.Response, error) {
	counts := map[string]int{} // nc per nonce
	for round := 0; round < 2; round++ {
		if resp.StatusCode != http.StatusUnauthorized {
			return resp, nil
		}
		ch, ok := pickDigest(resp.Header.Values("WWW-Authenticate"))
		if !ok || (round > 0 && !strings.EqualFold(ch.params["stale"], "true")) {
			return resp, nil
		}
		// Answer the URL that asked, which differs after a redirect.
		target := resp.Request
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()

		r, err := pr.newHTTPRequest(ctx, target.Method, target.URL, target.Method == pr.method)
		if err != nil {
			return nil, err
		}
		nonce := ch.params["nonce"]
		counts[nonce]++
		r.Header.Set("Authorization", digestAuthorization(ch, r.Method, r.URL.RequestURI(),
			pr.auth.cfg.Username, pr.auth.secret, pr.body.data, counts[nonce], newCnonce()))
		if resp, err = hc.Do(r); err != nil {
			return nil, err
		}
	}
	return resp, nil
}
