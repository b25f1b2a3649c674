// Package docker checks, without a Docker engine, what this directory
// ships: the compose files load and validate with compose-go (the library
// behind `docker compose config`), the Dockerfile passes BuildKit's lint
// (dockerfile2llb with an offline image resolver), and the shell scripts
// pass shellcheck. It is a module of its own so that these libraries stay
// out of Flowline's go.mod; `make docker-check` runs its tests.
package docker

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// LoadCompose loads, interpolates, validates (against the compose
// specification's schema) and checks for consistency (depends_on,
// volumes and networks that exist) the compose file at path, as `docker
// compose -f path config` does: variables come from env, then the .env file
// beside it. It then applies CheckExposure: nothing unguarded is published
// beyond loopback.
func LoadCompose(ctx context.Context, path string, env map[string]string) (*types.Project, error) {
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	opts, err := cli.NewProjectOptions([]string{path},
		cli.WithWorkingDirectory(filepath.Dir(path)),
		cli.WithEnv(list),
		cli.WithDotEnv,
		cli.WithConsistency(true),
	)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", path, err)
	}
	p, err := opts.LoadProject(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", path, err)
	}
	if err := CheckExposure(p); err != nil {
		return nil, fmt.Errorf("checking %s: %w", path, err)
	}
	return p, nil
}
