//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package app

import "os"

// tryLock does nothing where flock is unavailable: there, the operator
// must make sure one data dir serves one process.
func tryLock(*os.File) error { return nil }
