// Every main screen, seeded with data: an accessibility scan (no serious or
// critical violation) and, with FLOWLINE_SCREENSHOTS set (make screenshots),
// a picture for docs/builder, wide, narrow and dark.
const { test, expect, expectAccessible, shoot, flowDoc } = require('../fixtures');

// A server of its own, so that the pictures show only this file's data.
test.use({ isolate: 'screens' });

test('every screen is accessible, and pictured', async ({ page, api, server, receiver }) => {
  await api.post('/credentials', { name: 'chat-token', secret: 'tok-abc' });
  await api.post('/credentials', { name: 'crm', secret: 'client-secret', oauth2: {
    auth_url: 'https://crm.example.com/oauth/authorize', token_url: 'https://crm.example.com/oauth/token', client_id: 'flowline', scopes: ['contacts.read'] } });
  await api.post('/event-types', { name: 'sync.failed', title: 'A sync failed', category: 'event',
    schema: { type: 'object', required: ['source'], properties: { source: { type: 'string', description: 'What was synced' }, error: { type: 'string' } } },
    example: { source: 'crm', error: 'timeout' }, messages: { en: 'Sync of {{ data.source }} failed: {{ data.error }}' } });
  await api.post('/event-types', { name: 'backup.failed', title: 'A backup failed', category: 'event', example: { host: 'db-1' },
    messages: { en: 'Backup of {{ data.host }} failed', 'zh-CN': '{{ data.host }} 备份失败' } });
  await api.post('/event-types', { name: 'host.connection_lost', title: 'Host connection lost', category: 'alarm',
    schema: { type: 'object', required: ['host'], properties: { host: { type: 'string', description: 'The host name' } } }, example: { host: 'db-1' },
    messages: { en: 'Host {{ data.host }} lost its connection at {{ event_time }}', 'zh-CN': '主机 {{ data.host }} 于 {{ event_time }} 断开连接' } });
  const orders = await api.post('/flows', {
    ...flowDoc('Order alerts to chat', receiver.url + '/chat'),
    steps: [{
      id: 'notify', name: 'Post to chat', type: 'http',
      config: {
        method: 'POST', url: receiver.url + '/chat/{{ flow_id }}', headers: { 'X-Source': 'flowline' }, query: { flow: '{{ flow_name }}' },
        auth: { type: 'bearer', credential: 'chat-token' },
        body: { type: 'json', json: { text: '{{ flow_name }}: order {{ data.order_id }} is {{ data.status }}' } },
      },
      retry: { max_attempts: 5, initial_interval: '1s' },
    }],
  });
  await api.post(`/flows/${orders.id}/publish`);
  await api.put(`/flows/${orders.id}`, { ...orders.draft, description: 'Tell the team about orders' });
  await api.post(`/flows/${orders.id}/publish`);
  const sync = await api.post('/flows', flowDoc('Sync failures', receiver.url + '/sync', { type: 'event', events: ['sync.failed', 'backup.*'] }));
  await api.post(`/flows/${sync.id}/publish`);
  const nightly = await api.post('/flows', flowDoc('Nightly report', receiver.url + '/report', { type: 'schedule', cron: '0 9 * * 1-5', timezone: 'Europe/Paris' }));
  const hook = await fetch(`${server.url}/hooks/${orders.id}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"order_id":42,"status":"paid"}' });
  const run = await hook.json();
  await receiver.waitFor((c) => c.url.startsWith('/chat'));

  await page.goto('/flows');
  await expect(page.getByRole('row', { name: /Order alerts to chat/ }).getByRole('link', { name: 'succeeded' })).toBeVisible();
  await expectAccessible(page, 'flows');
  await shoot(page, 'flows');

  await page.goto(`/flows/${orders.id}`);
  await expect(page.getByLabel('Preview of URL')).toHaveText(`${receiver.url}/chat/${orders.id}`);
  await page.getByRole('textbox', { name: 'JSON body' }).click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.getByRole('button', { name: 'Test HTTP' }).click();
  await expect(page.getByText('Notification successfully sent.')).toBeVisible();
  await expectAccessible(page, 'the editor with a step');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shoot(page, 'editor');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expectAccessible(page, 'the editor, dark');
  await shoot(page, 'editor-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  await page.goto(`/flows/${nightly.id}`);
  await page.getByRole('button', { name: /^Trigger/ }).click();
  await expect(page.getByText('Next five runs:')).toBeVisible();
  await expect(page.locator('ol.fire-times li')).toHaveCount(5);
  await expectAccessible(page, 'the schedule trigger');
  await shoot(page, 'trigger-schedule');

  await page.goto(`/flows/${sync.id}`);
  await page.getByRole('button', { name: /^Trigger/ }).click();
  await expect(page.getByRole('list', { name: 'Chosen event types' })).toContainText('backup.*');
  await expectAccessible(page, 'the event trigger');

  await page.goto('/quick-webhook');
  await expect(page.getByRole('heading', { name: 'Quick webhook' })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill('Lost hosts to ops');
  await page.getByLabel('Alarms').check();
  await page.getByRole('checkbox', { name: /host\.connection_lost/ }).check();
  await page.getByLabel('URL', { exact: true }).fill('https://ops.example.com/hook');
  await page.getByLabel('Payload').selectOption('message');
  await page.getByLabel('Message language').selectOption('zh-CN');
  await expectAccessible(page, 'the quick webhook form');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shoot(page, 'quick-webhook');

  await page.goto('/runs');
  await expect(page.getByRole('link', { name: run.run_id })).toBeVisible();
  await expectAccessible(page, 'runs');
  await shoot(page, 'runs');

  await page.goto(`/runs/${run.run_id}`);
  await expect(page.locator('dl.facts .badge')).toHaveText('succeeded');
  await page.getByText('Request', { exact: true }).click();
  await expectAccessible(page, 'a run');
  await shoot(page, 'run');

  await page.goto(`/flows/${orders.id}/versions`);
  await expect(page.getByRole('row', { name: /^v2/ })).toBeVisible();
  await expectAccessible(page, 'versions');
  await shoot(page, 'versions');
  await page.goto(`/flows/${orders.id}/versions/diff?a=1&b=2`);
  await expect(page.locator('td.ins').first()).toBeVisible();
  // Show the changed lines, not only the unchanged top of the documents.
  await page.locator('td.ins').first().evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await shoot(page, 'versions-diff');

  await page.goto('/credentials');
  await expect(page.getByRole('row', { name: /chat-token/ })).toBeVisible();
  await expect(page.getByRole('row', { name: /crm/ })).toContainText('not connected');
  await expectAccessible(page, 'credentials');
  await shoot(page, 'credentials');

  await page.goto('/event-types');
  await expect(page.getByRole('heading', { name: 'Event types', exact: true })).toBeVisible();
  await expect(page.getByRole('row', { name: /sync\.failed/ })).toContainText('1');
  await expect(page.getByRole('row', { name: /host\.connection_lost/ })).toContainText('en, zh-CN');
  await expectAccessible(page, 'event types');
  await shoot(page, 'event-types');

  await page.goto('/nowhere/at/all');
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/flows');
  await expect(page.getByRole('link', { name: 'Order alerts to chat', exact: true })).toBeVisible();
  await expectAccessible(page, 'flows, narrow');
  await shoot(page, 'flows-narrow');
  await page.goto(`/flows/${orders.id}`);
  await expect(page.getByRole('textbox', { name: 'URL', exact: true })).toBeVisible();
  await expectAccessible(page, 'the editor, narrow');
  await shoot(page, 'editor-narrow');
});
