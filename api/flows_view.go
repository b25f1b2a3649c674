package api

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// FlowInfo is the flow object the API answers: the stored flow and, for a
// flow whose draft is triggered by webhooks, the URL that triggers it.
type FlowInfo struct {
	*store.Flow
	// WebhookURL is <FLOWLINE_PUBLIC_URL>/hooks/<flow id>.
	WebhookURL string `json:"webhook_url,omitempty"`
	// Warnings are the draft's likely mistakes, answered by create and
	// PUT when there are some (see flows.AllWarnings).
	Warnings []flows.Warning `json:"warnings,omitempty"`
}

// flowInfo describes f for an answer.
func (s *server) flowInfo(c *gin.Context, f *store.Flow, warnings ...flows.Warning) FlowInfo {
	info := FlowInfo{Flow: f, Warnings: warnings}
	if doc, err := flows.ParseDocument(f.Draft); err == nil && doc.Trigger.Type == flows.TriggerWebhook {
		info.WebhookURL = s.publicBase(c) + strings.Replace(HookPath, ":flow_id", f.ID, 1)
	}
	return info
}

// publicBase is the base of the URLs the API hands out (webhooks, the
// OAuth2 callback): FLOWLINE_PUBLIC_URL or, without one, the scheme and
// host the request came to.
func (s *server) publicBase(c *gin.Context) string {
	if base := strings.TrimRight(s.publicURL, "/"); base != "" {
		return base
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}
