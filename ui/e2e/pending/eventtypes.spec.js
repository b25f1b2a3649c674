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

  await page.goto('/quick-webhook');
  await page.getByLabel('Name', { exact: true }).fill('Disk alarms');
  await page.getByLabel('Alarms').check();
  await page.getByLabel(/disk\.full/).check();
  await page.getByLabel('Message language').selectOption('en');
  await page.getByLabel('URL', { exact: true }).fill(receiver.url + '/alarms');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page).toHaveURL('/flows');
  await api.post('/events', { event_type: 'disk.full', data: { host: 'db-1', percent: 99 } });
  await receiver.waitFor((c) => c.url === '/alarms');

  await page.getByRole('link', { name: 'Modify Disk alarms' }).click();
  await page.getByRole('button', { name: /^Trigger/ }).click();
  await expect(page.getByLabel(/disk\.full/)).toBeChecked();
  await expect(page.getByLabel('Message language')).toHaveValue('en');
});
