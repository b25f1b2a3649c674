package secrets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/flowline/flowline/internal/store"
)

// ErrKeyMismatch reports that the sealing key cannot open the credentials
// the flow store holds: the key file was deleted or replaced, or
// FLOWLINE_SECRET_KEY names another key.
var ErrKeyMismatch = errors.New("the secret key does not open the stored credentials")

// lostKeyAdvice says what to do when the key that sealed the stored
// credentials is not the one at hand.
const lostKeyAdvice = "restore the key file from a backup or set FLOWLINE_SECRET_KEY (--secret-key) to the key that sealed them; " +
	"if that key is lost, the credentials cannot be opened: delete them (DELETE FROM credentials) and create them again"

// LoadSealer loads the sealing key as LoadKey does and checks it against the
// credentials in st before anything uses it. A key file is generated only
// while st holds no credential: generating one next to credentials sealed
// under a deleted key would make every run that uses them fail later. A key
// that cannot open a stored credential is refused too. Both errors wrap
// ErrKeyMismatch and say what to do.
func LoadSealer(ctx context.Context, configured, dataDir string, st *store.Store) (*Sealer, error) {
	creds, err := st.ListCredentials(ctx)
	if err != nil {
		return nil, fmt.Errorf("checking the secret key: %w", err)
	}
	if strings.TrimSpace(configured) == "" && len(creds) > 0 && dataDir != "" {
		path := filepath.Join(dataDir, KeyFile)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("secret key file %s is missing while the flow store holds %s sealed with it (%w): %s",
				path, countCredentials(len(creds)), ErrKeyMismatch, lostKeyAdvice)
		}
	}
	key, err := LoadKey(configured, dataDir)
	if err != nil {
		return nil, err
	}
	sealer, err := NewSealer(key)
	if err != nil {
		return nil, err
	}
	if len(creds) > 0 {
		// One is enough: every credential is sealed under the one key.
		if _, err := sealer.Open(creds[0].Sealed); err != nil {
			source := "the key in " + filepath.Join(dataDir, KeyFile)
			if strings.TrimSpace(configured) != "" {
				source = "FLOWLINE_SECRET_KEY (--secret-key)"
			}
			return nil, fmt.Errorf("%s cannot open credential %q of the %s in the flow store (%w): %s",
				source, creds[0].Name, countCredentials(len(creds)), ErrKeyMismatch, lostKeyAdvice)
		}
	}
	return sealer, nil
}

func countCredentials(n int) string {
	if n == 1 {
		return "1 credential"
	}
	return fmt.Sprintf("%d credentials", n)
}
