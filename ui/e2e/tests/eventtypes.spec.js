// The event catalog: create a type, filter by category, pick it in the quick
// webhook form and in the event trigger with a message language.
const { test, expect, expectAccessible } = require('../fixtures');

test('event types in the catalog, the quick form and the trigger', async ({ page, api, receiver }) => {
  await page.goto('/event-types');
  await page.getByRole('link', { name: 'New event type' }).click();
  await page.getByLabel('Name').fill('disk.full');
  await page.getByLabel('Title').fill('A disk is full');
  await page.getByLabel('Category').selectOption('alarm');
  await page.getByLabel('Example data (JSON)').fill('{"host": "db-1", "percent": 99}');
  await page.getByRole('button', { name: 'Add message' }).click();
  await page.getByLabel('Messages language 1').fill('en');
  await page.getByLabel('Messages template 1').fill('{{ data.host }} disk is {{ data.percent }}% full');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL('/event-types/disk.full');
  await page.goto('/event-types?category=alarm');
  await expect(page.getByRole('link', { name: 'disk.full' })).toBeVisible();
  await page.getByLabel('Category').selectOption('event');
  await expect(page.getByRole('link', { name: 'disk.full' })).toBeHidden();
  await expectAccessible(page, 'event types');

  // A type without messages: the form says the text would be empty.
  await api.post('/event-types', { name: 'disk.slow', category: 'alarm' });
  await page.goto('/quick-webhook');
  await page.getByLabel('Name', { exact: true }).fill('Disk alarms');
  await page.getByLabel('Alarms').check();
  await page.getByRole('checkbox', { name: /disk\.slow/ }).check();
  await expect(page.getByLabel('Message language')).toBeHidden();
  await page.getByLabel('Payload').selectOption('message');
  await expect(page.getByText(/None of the chosen event types has a message/)).toBeVisible();
  await page.getByRole('checkbox', { name: /disk\.slow/ }).uncheck();
  await page.getByRole('checkbox', { name: /disk\.full/ }).check();
  await expect(page.getByText(/None of the chosen event types has a message/)).toBeHidden();
  await page.getByLabel('Message language').selectOption('en');
  await page.getByLabel('URL', { exact: true }).fill(receiver.url + '/alarms');
  await expectAccessible(page, 'the quick webhook form with a message');
  // Send Test fills the message from the type's example.
  await page.getByRole('button', { name: 'Send Test' }).click();
  await expect(page.getByText('Notification successfully sent.')).toBeVisible();
  const tested = await receiver.waitFor((c) => c.url === '/alarms');
  expect(JSON.parse(tested.body.toString()).text).toBe('db-1 disk is 99% full');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page).toHaveURL('/flows');
  // A real event gets {{ message }} rendered by the server in the language.
  await api.post('/events', { event_type: 'disk.full', data: { host: 'db-2', percent: 97 } });
  const call = await receiver.waitFor((c) => c.url === '/alarms' && c.body.includes('db-2'));
  expect(JSON.parse(call.body.toString())).toEqual({ text: 'db-2 disk is 97% full', event_type: 'disk.full' });

  await page.getByRole('link', { name: 'Modify Disk alarms' }).click();
  await page.getByRole('button', { name: /^Trigger/ }).click();
  await expect(page.getByRole('checkbox', { name: /disk\.full/ })).toBeChecked();
  await expect(page.getByLabel('Message language')).toHaveValue('en');
});
