// Node-RED settings for the bench's Node-RED baseline (cmd/flowline-bench
// --baseline nodered): loopback only, no editor or admin API, warnings only,
// flows from flows.json (the bench copies it into a temporary user dir).
module.exports = {
    uiHost: "127.0.0.1",
    httpAdminRoot: false,
    flowFile: "flows.json",
    credentialSecret: false,
    diagnostics: { enabled: false },
    telemetry: { enabled: false },
    logging: { console: { level: "warn", metrics: false, audit: false } },
};
