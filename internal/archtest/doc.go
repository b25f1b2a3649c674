// Package archtest holds the test that keeps the architecture's import
// lines: api → flows (+ schemas) → engine → connectors, and nothing
// importing api or cmd but the wiring.
package archtest
