package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flowline/flowline/internal/store"
	"github.com/flowline/flowline/schemas"
)

// readyTimeout bounds a readiness check, so a hung dependency makes /readyz
// answer 503 rather than hang the probe.
const readyTimeout = 5 * time.Second

// ConnectorInfo describes one connector for builders: its type, what it
// does, and the JSON Schema of its step config, embedded as an object.
type ConnectorInfo struct {
	Type         string          `json:"type"`
	Description  string          `json:"description"`
	ConfigSchema json.RawMessage `json:"config_schema"`
}

func (s *server) listConnectors(c *gin.Context) {
	all := s.registry.All()
	out := make([]ConnectorInfo, 0, len(all))
	for _, conn := range all {
		out = append(out, ConnectorInfo{
			Type:         conn.Type(),
			Description:  conn.Description(),
			ConfigSchema: json.RawMessage(conn.ConfigSchema()),
		})
	}
	respond(c, http.StatusOK, gin.H{"connectors": out})
}

func (s *server) flowSchema(c *gin.Context) {
	c.Data(http.StatusOK, "application/schema+json", schemas.FlowSchema())
}

func (s *server) healthz(c *gin.Context) {
	respond(c, http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 only when the flow store accepts a write (a ping
// alone passes on a full disk; the probe is reused for writeProbeTTL) and
// Ready answers; otherwise 503 naming which part is not ready. The errors
// themselves are logged, not answered: anyone may call it.
func (s *server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	if err := s.writeProbe.run(ctx); err != nil {
		logger(c).Warn("not ready: the flow store does not accept writes", "error", err)
		detail := "not ready: the flow store does not accept writes"
		if store.IsFull(err) {
			c.Header("Retry-After", strconv.Itoa(FullRetryAfter))
			detail = "not ready: the flow store cannot write, its database or disk is full"
		} else if errors.Is(err, context.DeadlineExceeded) {
			detail = fmt.Sprintf("not ready: the flow store gave no answer within %s", readyTimeout)
		}
		problem(c, http.StatusServiceUnavailable, detail)
		return
	}
	if s.ready != nil {
		if err := s.ready(ctx); err != nil {
			logger(c).Warn("not ready", "error", err)
			problem(c, http.StatusServiceUnavailable, notReadyDetail(err))
			return
		}
	}
	respond(c, http.StatusOK, gin.H{"status": "ready"})
}

func (s *server) metricsHandler() gin.HandlerFunc {
	h := promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{})
	return gin.WrapH(h)
}

// httpMetrics counts and times requests by method, route template and
// status code.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// newHTTPMetrics registers the request metrics and the Go and process
// collectors in reg. Collectors reg already holds (a registry shared with
// other components) are reused rather than registered twice.
func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	labels := []string{"method", "route", "code"}
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowline_http_requests_total",
			Help: "HTTP requests answered by the Flowline API, by method, route template and status code.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flowline_http_request_duration_seconds",
			Help:    "Time taken to answer HTTP requests to the Flowline API, by method, route template and status code.",
			Buckets: prometheus.DefBuckets,
		}, labels),
	}
	m.requests = register(reg, m.requests)
	m.duration = register(reg, m.duration)
	register(reg, collectors.NewGoCollector())
	register(reg, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// register registers c in reg, or returns the equal collector reg already
// has.
func register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if err := reg.Register(c); err != nil {
		var dup prometheus.AlreadyRegisteredError
		if errors.As(err, &dup) {
			if existing, ok := dup.ExistingCollector.(C); ok {
				return existing
			}
		}
		// Only a programmer error (a clashing metric name) gets here.
		panic("api: registering metrics: " + err.Error())
	}
	return c
}

func (m *httpMetrics) observe(method, route string, status int, elapsed time.Duration) {
	// Methods are client input: anything unusual shares one label value so
	// that a client cannot grow the series without bound.
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
	default:
		method = "OTHER"
	}
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(method, route, code).Inc()
	m.duration.WithLabelValues(method, route, code).Observe(elapsed.Seconds())
}
