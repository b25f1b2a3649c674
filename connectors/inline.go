package connectors

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// inlineSecretsKey is the context key of the secrets given inline to one
// call. It is unexported, so only WithInlineSecrets can set it.
type inlineSecretsKey struct{}

// inlineRefPrefix starts every synthetic credential ref. A ref is only
// answered from the context of the call that minted it, so a stored
// credential that happened to bear such a name is never shadowed outside
// that call, and the random part makes guessing one in advance hopeless.
const inlineRefPrefix = "inline-secret:"

// NewInlineSecretRef returns a fresh credential ref for a secret given
// inline to one call (POST /actions/test): "inline-secret:" and 128 random
// bits in hex.
func NewInlineSecretRef() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return inlineRefPrefix + hex.EncodeToString(b[:])
}

// WithInlineSecrets returns a context whose connectors resolve the given
// credential refs (from NewInlineSecretRef) to the given secrets before
// asking their credential store. Only the API's one-off test call sets it:
// flows never carry secrets, and a run's context never holds any.
func WithInlineSecrets(ctx context.Context, secrets map[string]string) context.Context {
	if len(secrets) == 0 {
		return ctx
	}
	m := make(map[string]string, len(secrets))
	for ref, s := range secrets {
		m[ref] = s
	}
	return context.WithValue(ctx, inlineSecretsKey{}, m)
}

// InlineSecret returns the secret given inline for ref in ctx, if any.
// Connectors consult it before their credential store.
func InlineSecret(ctx context.Context, ref string) (string, bool) {
	m, _ := ctx.Value(inlineSecretsKey{}).(map[string]string)
	s, ok := m[ref]
	return s, ok
}
