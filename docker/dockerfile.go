package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// LintDockerfile runs BuildKit's Dockerfile checks (`docker build
// --check`) over the file at path, every stage, and returns one line per
// problem: a parse or conversion error, or a lint rule's warning. Base
// images are not pulled: an offline resolver answers with an empty config.
func LintDockerfile(ctx context.Context, path string) ([]string, error) {
	dt, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading dockerfile: %w", err)
	}
	// The lint results name their source, which needs a (here empty) LLB
	// definition.
	sm := llb.NewSourceMap(nil, path, "Dockerfile", dt)
	sm.Definition = &llb.Definition{}
	res, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{
		Config:         dockerui.Config{},
		SourceMap:      sm,
		TargetPlatform: &ocispecs.Platform{OS: "linux", Architecture: "amd64"},
		MetaResolver:   offlineResolver{},
	})
	if err != nil {
		return nil, fmt.Errorf("linting %s: %w", path, err)
	}
	var problems []string
	if res.Error != nil {
		problems = append(problems, fmt.Sprintf("%s:%d: %s", path, line(res.Error.Location.Ranges), res.Error.Message))
	}
	for _, w := range res.Warnings {
		l := 0
		if w.Location != nil {
			l = line(w.Location.Ranges)
		}
		problems = append(problems, fmt.Sprintf("%s:%d: %s: %s", path, l, w.RuleName, w.Detail))
	}
	return problems, nil
}

// line is the first line a location names, or 0.
func line[R interface{ GetStart() P }, P interface{ GetLine() int32 }](ranges []R) int {
	if len(ranges) == 0 {
		return 0
	}
	return int(ranges[0].GetStart().GetLine())
}

// offlineResolver stands in for a registry: every image exists, for
// linux/amd64, with an empty configuration.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	if strings.TrimSpace(ref) == "" {
		return "", "", nil, fmt.Errorf("resolving image: empty reference")
	}
	cfg, err := json.Marshal(ocispecs.Image{
		Platform: ocispecs.Platform{OS: "linux", Architecture: "amd64"},
		RootFS:   ocispecs.RootFS{Type: "layers"},
	})
	if err != nil {
		return "", "", nil, fmt.Errorf("resolving image: %w", err)
	}
	return ref, digest.FromBytes([]byte(ref)), cfg, nil
}
