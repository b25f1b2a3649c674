// Browser tests of the builder: Debian's Chromium (no browser download)
// against the real flowline binary, one server per worker (see fixtures.js).
const { defineConfig } = require('@playwright/test');

const projects = [{ name: 'builder', testDir: './tests' }];
// bench/ measures weight and speed; `make bench-ui` runs it alone.
if (process.env.FLOWLINE_UI_BENCH === '1') projects.splice(0, projects.length, { name: 'bench', testDir: './bench', timeout: 600_000 });

module.exports = defineConfig({
  projects,
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    viewport: { width: 1280, height: 800 },
    actionTimeout: 20_000,
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
