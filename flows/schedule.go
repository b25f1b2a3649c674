package flows

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	// Time zones are checked against the tz database built into the binary,
	// so validation does not depend on the host having one.
	_ "time/tzdata"
)

// MinScheduleInterval is the shortest "every" a schedule trigger accepts.
const MinScheduleInterval = time.Second

// cronField is one field of a five-field cron expression.
type cronField struct {
	name     string
	min, max int
	names    []string // names standing for min, min+1, … (JAN…, SUN…)
}

var cronFields = []cronField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day of week", min: 0, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
}

// cronShape is the schema's pattern for "cron".
var cronShape = regexp.MustCompile(`^\s*(@[a-z]+|\S+(\s+\S+){4})\s*$`)

// cronDescriptors are the "@…" shorthands Temporal understands.
var cronDescriptors = map[string]bool{
	"@yearly": true, "@annually": true, "@monthly": true, "@weekly": true,
	"@daily": true, "@midnight": true, "@hourly": true,
}

// checkSchedule checks what the schema cannot say about a schedule trigger:
// that the cron expression's values are in range, that "every" is long
// enough and that the time zone exists.
func checkSchedule(tree any) []Problem {
	root, _ := tree.(map[string]any)
	trigger, _ := root["trigger"].(map[string]any)
	if typ, _ := trigger["type"].(string); typ != TriggerSchedule {
		return nil
	}
	var problems []Problem
	// Values the schema refuses already have their problem.
	if cron, ok := trigger["cron"].(string); ok && cronShape.MatchString(cron) {
		if msg := checkCron(cron); msg != "" {
			problems = append(problems, Problem{Pointer: "/trigger/cron", Message: msg})
		}
	}
	if every, ok := trigger["every"].(string); ok {
		if d, err := time.ParseDuration(every); err == nil && d < MinScheduleInterval {
			problems = append(problems, Problem{Pointer: "/trigger/every", Message: fmt.Sprintf("interval %q is shorter than the minimum of %s; use a longer one, such as \"15m\"", every, MinScheduleInterval)})
		}
	}
	if tz, ok := trigger["timezone"].(string); ok && tz != "" {
		if msg := checkTimezone(tz); msg != "" {
			problems = append(problems, Problem{Pointer: "/trigger/timezone", Message: msg})
		}
	}
	return problems
}

// checkTimezone returns why tz is not an IANA time zone name such as
// "Europe/Paris", or "" when it is one.
func checkTimezone(tz string) string {
	bad := fmt.Sprintf("value %q is not an IANA time zone such as \"Europe/Paris\" or \"UTC\"", tz)
	// LoadLocation also takes "Local" (the server's own zone) and refuses
	// paths; a flow's meaning must not depend on the server.
	if tz == "" || tz == "Local" || strings.ContainsAny(tz, `\:`) || strings.Contains(tz, "..") || strings.HasPrefix(tz, "/") {
		return bad
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return bad
	}
	return ""
}

// checkCron returns why expr is not a five-field cron expression (minute,
// hour, day of month, month, day of week) or an "@daily"-style descriptor,
// or "" when it is one.
func checkCron(expr string) string {
	expr = strings.TrimSpace(expr)
	if strings.HasPrefix(expr, "@") {
		if cronDescriptors[expr] {
			return ""
		}
		return fmt.Sprintf("value %q is not a cron descriptor: use @yearly, @monthly, @weekly, @daily or @hourly (for a fixed interval, set \"every\" instead, such as \"15m\")", expr)
	}
	fields := strings.Fields(expr)
	if len(fields) != len(cronFields) {
		return fmt.Sprintf("cron expression %q has %d fields, want 5 (minute hour day-of-month month day-of-week) such as \"0 9 * * 1-5\"", expr, len(fields))
	}
	for i, f := range fields {
		if err := cronFields[i].check(f); err != nil {
			return fmt.Sprintf("%s field %q: %v; a cron expression has five fields (minute hour day-of-month month day-of-week), such as \"0 9 * * 1-5\"", cronFields[i].name, f, err)
		}
	}
	return ""
}

// check validates one field as Temporal reads it: a comma-separated list
// of "*", values and ranges "a-b", each optionally stepped "/n".
func (c cronField) check(field string) error {
	for _, item := range strings.Split(field, ",") {
		base, step, stepped := strings.Cut(item, "/")
		if stepped {
			n, err := strconv.Atoi(step)
			if err != nil || n < 1 || n > c.max {
				return fmt.Errorf("step %q must be a number from 1 to %d", step, c.max)
			}
		}
		if base == "*" {
			continue
		}
		lo, hi, isRange := strings.Cut(base, "-")
		a, err := c.value(lo)
		if err != nil {
			return err
		}
		if isRange {
			b, err := c.value(hi)
			if err != nil {
				return err
			}
			if b < a {
				return fmt.Errorf("range %q runs backwards", base)
			}
		}
	}
	return nil
}

func (c cronField) value(s string) (int, error) {
	for i, n := range c.names {
		if strings.EqualFold(s, n) {
			return c.min + i, nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < c.min || n > c.max {
		return 0, fmt.Errorf("%q is not a value from %d to %d", s, c.min, c.max)
	}
	return n, nil
}
