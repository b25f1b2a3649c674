package app

import (
	"context"
	"fmt"

	"github.com/flowline/flowline/internal/config"
	"github.com/flowline/flowline/internal/store"
)

// Migrate brings the flow store's schema up to date and returns, for
// operators who migrate as a step of their own before starting processes.
// Every process also migrates on start (under a lock), so this is optional.
func Migrate(ctx context.Context, cfg *config.Config) error {
	s, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("migrating flow store: %w", err)
	}
	return s.Close()
}
