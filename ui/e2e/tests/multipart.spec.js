// A multipart step sends two files as Attachments[].
const { test, expect } = require('../fixtures');

test('a form-data step with two files as Attachments[]', async ({ page, api, receiver }) => {
  const flow = await api.post('/flows', { name: 'Upload', trigger: { type: 'manual' }, steps: [{ id: 'upload', type: 'http', config: { method: 'POST', url: receiver.url + '/upload' } }] });
  await page.goto(`/flows/${flow.id}`);
  await page.getByRole('tab', { name: 'Form-data' }).click();
  await expect(page.getByRole('tab', { name: 'Form-data' })).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('button', { name: 'Add file part' }).click();
  await expect(page.getByLabel('Part 1 name')).toHaveValue('Attachments[]');
  await page.getByLabel('Add files to part 1').setInputFiles([
    { name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('first file') },
    { name: 'b.csv', mimeType: 'text/csv', buffer: Buffer.from('x,y\n1,2\n') },
  ]);
  await expect(page.getByText('a.txt')).toBeVisible();
  await expect(page.getByText('b.csv')).toBeVisible();
  await page.getByRole('button', { name: 'Test HTTP' }).click();
  await expect(page.getByText('Notification successfully sent.')).toBeVisible();
  const call = await receiver.waitFor((c) => c.url === '/upload');
  expect(call.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
  const body = call.body.toString();
  expect(body).toMatch(/name="Attachments\[\]"; filename="a.txt"[\s\S]*first file/);
  expect(body).toMatch(/name="Attachments\[\]"; filename="b.csv"[\s\S]*x,y/);
  expect(body.match(/name="Attachments\[\]"/g).length).toBe(2);

  await page.keyboard.press('ControlOrMeta+s');
  await expect(page.getByText('● Unsaved changes')).toBeHidden();
  const saved = await api.get(`/flows/${flow.id}`);
  expect(saved.draft.steps[0].config.body.parts[0].file.map((f) => f.filename)).toEqual(['a.txt', 'b.csv']);
});
