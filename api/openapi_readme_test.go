package api

import (
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// curlExample is one curl command from README.md's shell blocks.
type curlExample struct {
	line        int
	method      string
	url         string
	headers     map[string]string
	body        string
	hasBody     bool
	form        bool // -F: multipart/form-data
	contentType string
	// status is the answer the comment after it shows ("# → 201 …"), or 0.
	status int
}

// TestOpenAPIReadmeExamples checks README.md's curl examples against the
// document: each calls a documented method and path, sends only documented
// query parameters and headers, with a Content-Type the operation accepts;
// its JSON body validates against the operation's request body schema;
// the status its comment shows is a documented response. An example whose
// comment shows a 4xx illustrates a refusal, so its body may be invalid.
func TestOpenAPIReadmeExamples(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	examples := readmeCurls(string(readme))
	s := loadSpec(t)
	bodies := 0
	for _, ex := range examples {
		u, err := url.Parse(ex.url)
		if err != nil {
			t.Errorf("README.md:%d: url %q: %v", ex.line, ex.url, err)
			continue
		}
		if u.Host != "localhost:8080" && u.Host != "127.0.0.1:8080" {
			continue // not a call to Flowline's API
		}
		where := "README.md:" + strconv.Itoa(ex.line) + ": " + ex.method + " " + u.Path
		path, ok := s.matchPath(u.Path)
		if !ok {
			t.Errorf("%s: no documented path matches", where)
			continue
		}
		method := strings.ToLower(ex.method)
		op, item := s.operation(path, method)
		if op == nil {
			t.Errorf("%s: %s has no %s operation", where, path, ex.method)
			continue
		}
		base := "/paths/" + pointerToken(path) + "/" + method
		if ex.status != 0 && !statusDocumented(op, ex.status) {
			t.Errorf("%s: the README shows %d, which is not a documented response", where, ex.status)
		}
		params := s.parameters(op, item)
		for name, values := range u.Query() {
			p := findParam(params, "query", name)
			if p == nil {
				t.Errorf("%s: query parameter %q is not documented", where, name)
				continue
			}
			checkParamValue(t, s, where, p, values[0])
		}
		for name := range ex.headers {
			switch strings.ToLower(name) {
			case "content-type", "accept", "authorization":
				continue
			}
			if findParam(params, "header", name) == nil {
				t.Errorf("%s: header %q is not documented", where, name)
			}
		}
		if !ex.hasBody {
			continue
		}
		body, _ := op["requestBody"].(map[string]any)
		if body == nil {
			t.Errorf("%s: the example sends a body, the operation takes none", where)
			continue
		}
		content, _ := body["content"].(map[string]any)
		mt, ok := mediaTypeKey(content, ex.contentType)
		if !ok {
			t.Errorf("%s: Content-Type %q is not accepted (documented: %v)", where, ex.contentType, sortedKeys(content))
			continue
		}
		if ex.form || !strings.Contains(mt, "json") {
			continue
		}
		sch, err := s.schema(base + "/requestBody/content/" + pointerToken(mt) + "/schema")
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(ex.body))
		if err != nil {
			t.Errorf("%s: the body is not JSON: %v\n%s", where, err, ex.body)
			continue
		}
		err = sch.Validate(v)
		switch {
		case err != nil && ex.status >= 400 && ex.status < 500:
			t.Logf("%s: refused as the README shows (%d): %v", where, ex.status, err)
		case err != nil:
			t.Errorf("%s: the body does not validate against %s's request body: %v", where, op["operationId"], err)
		default:
			bodies++
		}
	}
	// A parser that finds nothing would pass vacuously.
	if len(examples) < 15 || bodies < 8 {
		t.Errorf("found %d curl examples and validated %d bodies; the README has more", len(examples), bodies)
	}
}

// findParam returns the parameter in where named name (headers compare
// case-insensitively), or nil.
func findParam(params []map[string]any, in, name string) map[string]any {
	for _, p := range params {
		n, _ := p["name"].(string)
		if p["in"] == in && (n == name || in == "header" && strings.EqualFold(n, name)) {
			return p
		}
	}
	return nil
}

// checkParamValue validates a query value against its parameter's schema,
// unless it is a shell variable.
func checkParamValue(t *testing.T, s *spec, where string, p map[string]any, value string) {
	t.Helper()
	if strings.Contains(value, "$") {
		return
	}
	schema := s.resolve(p["schema"])
	var v any = value
	switch schema["type"] {
	case "integer":
		n, err := strconv.Atoi(value)
		if err != nil {
			t.Errorf("%s: %s=%q is not an integer", where, p["name"], value)
			return
		}
		v = n
	case "boolean":
		b, err := strconv.ParseBool(value)
		if err != nil {
			t.Errorf("%s: %s=%q is not a boolean", where, p["name"], value)
			return
		}
		v = b
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("https://flowline.invalid/param", schema); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("https://flowline.invalid/param")
	if err != nil {
		t.Fatalf("%s: compiling the schema of %s: %v", where, p["name"], err)
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s: %s=%q: %v", where, p["name"], value, err)
	}
}

// statusComment finds the status in a comment such as "# → 201 {…}" or
// "# → HTTP/1.1 201 Created".
var statusComment = regexp.MustCompile(`→\s*(?:HTTP/[\d.]+\s+)?(\d{3})\b`)

// placeholderText is README's "<flow id>" style placeholder.
var placeholderText = regexp.MustCompile(`<[a-z][a-z _-]*>`)

// readmeCurls returns the curl commands of README.md's sh code blocks.
func readmeCurls(readme string) []curlExample {
	var out []curlExample
	lines := strings.Split(readme, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```sh" {
			continue
		}
		start := i + 1
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
		}
		block := placeholderText.ReplaceAllString(strings.Join(lines[start:i], "\n"), "x")
		out = append(out, blockCurls(block, start+1)...)
	}
	return out
}

// shellCommand is one command of a shell block: its words, the line it
// starts on, and the comments that follow it before the next command.
type shellCommand struct {
	words    []string
	line     int
	comments []string
}

// blockCurls reads the curl commands of one shell block; firstLine is the
// README line the block starts on. Variables assigned in the block
// (NAME='…') stand in for "$NAME" bodies.
func blockCurls(block string, firstLine int) []curlExample {
	vars := map[string]string{}
	var out []curlExample
	for _, cmd := range lexShell(block, firstLine) {
		words := cmd.words
		for len(words) > 0 {
			name, value, ok := strings.Cut(words[0], "=")
			if !ok || !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(name) {
				break
			}
			vars[name] = value
			words = words[1:]
		}
		if len(words) == 0 || words[0] != "curl" {
			continue
		}
		ex := curlExample{line: cmd.line, headers: map[string]string{}}
		for i := 1; i < len(words); i++ {
			w := words[i]
			next := func() string {
				if i+1 < len(words) {
					i++
					return words[i]
				}
				return ""
			}
			switch {
			case w == "-X" || w == "--request":
				ex.method = next()
			case w == "-H" || w == "--header":
				name, value, _ := strings.Cut(next(), ":")
				ex.headers[strings.TrimSpace(name)] = strings.TrimSpace(value)
			case w == "-d" || w == "--data" || w == "--data-raw" || w == "--data-binary":
				ex.body, ex.hasBody = next(), true
			case w == "-F" || w == "--form":
				next()
				ex.form, ex.hasBody = true, true
			case w == "-o" || w == "--output" || w == "-u" || w == "--user":
				next()
			case strings.HasPrefix(w, "-"):
			default:
				ex.url = w
			}
		}
		if m := regexp.MustCompile(`^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$`).FindStringSubmatch(ex.body); m != nil {
			if v, ok := vars[m[1]]; ok {
				ex.body = v
			}
		}
		if !strings.Contains(ex.url, "://") {
			ex.url = "http://" + ex.url
		}
		// Shell variables in the path stand for ids.
		ex.url = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`).ReplaceAllString(ex.url, "x")
		if ex.method == "" {
			ex.method = "GET"
			if ex.hasBody {
				ex.method = "POST"
			}
		}
		for name, value := range ex.headers {
			if strings.EqualFold(name, "Content-Type") {
				ex.contentType = value
			}
		}
		switch {
		case ex.contentType != "":
		case ex.form:
			ex.contentType = "multipart/form-data"
		case ex.hasBody:
			ex.contentType = "application/x-www-form-urlencoded" // what curl sends with -d
		}
		for _, c := range cmd.comments {
			if m := statusComment.FindStringSubmatch(c); m != nil {
				ex.status, _ = strconv.Atoi(m[1])
				break
			}
		}
		out = append(out, ex)
	}
	return out
}

// lexShell splits a shell block into commands of words, the way sh would
// for the simple commands README uses: quotes, backslash-newline
// continuations, comments, "$( … )" kept whole, and ;, &&, || and | ending
// a command.
func lexShell(src string, firstLine int) []shellCommand {
	var cmds []shellCommand
	var cur shellCommand
	var word strings.Builder
	inWord := false
	line := firstLine
	endWord := func() {
		if inWord {
			if len(cur.words) == 0 {
				cur.line = line
			}
			cur.words = append(cur.words, word.String())
			word.Reset()
			inWord = false
		}
	}
	endCmd := func() {
		endWord()
		if len(cur.words) > 0 {
			cmds = append(cmds, cur)
		}
		cur = shellCommand{}
	}
	comment := func(text string) {
		switch {
		case len(cur.words) > 0:
			cur.comments = append(cur.comments, text)
		case len(cmds) > 0:
			last := &cmds[len(cmds)-1]
			last.comments = append(last.comments, text)
		}
	}
	rs := []rune(src)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\n':
			endCmd()
			line++
		case r == '\\' && i+1 < len(rs) && rs[i+1] == '\n':
			i++
			line++
		case r == '\\' && i+1 < len(rs):
			i++
			word.WriteRune(rs[i])
			inWord = true
		case r == ' ' || r == '\t':
			endWord()
		case r == '#' && !inWord:
			j := i
			for j < len(rs) && rs[j] != '\n' {
				j++
			}
			comment(string(rs[i:j]))
			i = j - 1
		case r == ';' || r == '|' || r == '&':
			for i+1 < len(rs) && (rs[i+1] == '|' || rs[i+1] == '&') {
				i++
			}
			endCmd()
		case r == '\'':
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				if rs[j] == '\n' {
					line++
				}
				j++
			}
			word.WriteString(string(rs[i+1 : min(j, len(rs))]))
			inWord, i = true, j
		case r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				if rs[j] == '\\' && j+1 < len(rs) && strings.ContainsRune(`"\$`+"`", rs[j+1]) {
					j++
				} else if rs[j] == '\n' {
					line++
				}
				word.WriteRune(rs[j])
				j++
			}
			inWord, i = true, j
		case r == '$' && i+1 < len(rs) && rs[i+1] == '(':
			depth, j := 0, i+1
			for ; j < len(rs); j++ {
				switch rs[j] {
				case '(':
					depth++
				case ')':
					depth--
				case '\'':
					for j++; j < len(rs) && rs[j] != '\''; j++ {
					}
				}
				if depth == 0 {
					break
				}
			}
			word.WriteString(string(rs[i:min(j+1, len(rs))]))
			inWord, i = true, j
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	endCmd()
	return cmds
}
