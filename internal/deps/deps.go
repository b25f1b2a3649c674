//go:build tools

// Package deps pins modules the code base is about to use.
package deps

import (
	_ "github.com/gin-gonic/gin"
	_ "github.com/glebarez/sqlite"
	_ "github.com/mccutchen/go-httpbin/v2/httpbin"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/temporalio/ui-server/v2/server"
	_ "github.com/tidwall/gjson"
	_ "go.temporal.io/sdk/client"
	_ "go.temporal.io/sdk/worker"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	_ "go.temporal.io/server/schema/sqlite"
	_ "go.temporal.io/server/temporal"
	_ "golang.org/x/oauth2"
	_ "gorm.io/driver/postgres"
	_ "gorm.io/gorm"
)
