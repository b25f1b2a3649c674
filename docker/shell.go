package docker

import (
	"errors"
	"fmt"
	"os/exec"
)

// Shellcheck runs shellcheck over the scripts and returns its findings as
// an error. A missing shellcheck is an error too: a check that cannot run
// must not pass.
func Shellcheck(paths ...string) error {
	bin, err := exec.LookPath("shellcheck")
	if err != nil {
		return errors.New("running shellcheck: not installed (apt-get install shellcheck)")
	}
	out, err := exec.Command(bin, append([]string{"--format=gcc"}, paths...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("shellcheck: %w\n%s", err, out)
	}
	return nil
}
