package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockFile is the file in the data dir that a process running the
// embedded Temporal server holds an exclusive lock on.
const LockFile = "flowline.lock"

// errDataDirBusy reports that another process holds the data dir's lock.
var errDataDirBusy = errors.New("the data dir is in use by another flowline process")

// lockDataDir takes the exclusive lock on dir for as long as the returned
// file stays open. The embedded Temporal server keeps its single history
// shard in the data dir, and two servers on one shard steal it from each
// other on every write; so the second process exits instead, naming the
// holder (whose pid the file records). The lock is an advisory flock: the
// kernel drops it when the holder exits, even by kill -9, so a stale file
// never blocks a restart.
func lockDataDir(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data dir: %w", err)
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the data dir lock %s: %w", path, err)
	}
	if err := tryLock(f); err != nil {
		_ = f.Close()
		if !errors.Is(err, errDataDirBusy) {
			return nil, fmt.Errorf("locking the data dir %s: %w", dir, err)
		}
		holder := ""
		if raw, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(raw))); perr == nil {
				holder = fmt.Sprintf(" (pid %d)", pid)
			}
		}
		return nil, fmt.Errorf("%w%s: data dir %s (FLOWLINE_DATA_DIR, --data-dir) is locked through %s; stop that process or give this one another data dir",
			errDataDirBusy, holder, dir, path)
	}
	// The pid is only a hint for the message above; the lock is what counts.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}
