/**
 * The chat page and the agent view in headless Chromium (Debian's package at /usr/bin/chromium,
 * driven by playwright-core), against the local runtime with the real handlers and the demo bot.
 * Keeps the screenshots help/ shows (help/screenshots/chat.png, agent.png).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startLocalChat, type LocalChat } from '../../local/runtime';
import { connectClient, devUrl } from './support/ws-client';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, '../../help/screenshots');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let chat: LocalChat;
let context: BrowserContext;
let userDataDir: string;
const requestedUrls: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium), as .ci/run does`);
  }
  chat = await startLocalChat({ port: 0, logLevel: 'error' });
  userDataDir = mkdtempSync(path.join(tmpdir(), 'chat-browser-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1000, height: 700 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  context.on('request', (request) => requestedUrls.push(request.url()));
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await context?.close();
  await chat?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

async function joinAs(page: Page, userId: string, threadId: string): Promise<void> {
  await page.goto(`${chat.url}/`);
  await page.getByLabel('Your user id').fill(userId);
  await page.getByLabel('Thread id').fill(threadId);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByRole('status').filter({ hasText: `Connected as ${userId}` }).waitFor();
}

async function say(page: Page, label: string, text: string): Promise<void> {
  const box = page.getByLabel(label, { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

/** A screenshot for help/ (focus ring and caret hidden, animations finished). */
async function screenshot(page: Page, file: string): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.screenshot({ path: path.join(SCREENSHOTS, file), animations: 'disabled', caret: 'hide' });
}

const messages = (page: Page) => page.getByRole('log', { name: 'Messages' }).getByRole('listitem');

describe('chat page and agent view in Chromium', () => {
  test('GIVEN the chat page WHEN a user joins a thread and sends a message with the keyboard THEN it shows as sent, the bot reply appears, and a reload brings the history back', async () => {
    const page = await context.newPage();
    await joinAs(page, 'alice', 'order-1042');

    await say(page, 'Message', "Hi! My order #1042 hasn't arrived yet.");

    const own = messages(page).filter({ hasText: "My order #1042 hasn't arrived yet." });
    await own.getByText('Sent', { exact: true }).waitFor();
    const reply = messages(page).filter({ hasText: 'Demo bot: you said' });
    await reply.waitFor();
    expect(await reply.textContent()).toContain("My order #1042 hasn't arrived yet.");
    expect(await own.getByText('You', { exact: true }).count()).toBe(1);

    await page.reload();
    await messages(page).filter({ hasText: 'Demo bot: you said' }).waitFor();
    expect(await messages(page).count()).toBe(2);
    expect(new URL(page.url()).searchParams.get('threadId')).toBe('order-1042');
    await page.close();
  });

  test('GIVEN a user chatting WHEN an agent opens the thread in /agent, takes it over and answers THEN the user sees the takeover and the answer, the bot stays silent, and after the hand-back the bot answers again', async () => {
    const user = await context.newPage();
    await joinAs(user, 'bruno', 'order-2077');
    await say(user, 'Message', 'Hello, can a human help me with a refund?');
    await messages(user).filter({ hasText: 'Demo bot: you said' }).waitFor();

    const agent = await context.newPage();
    await agent.goto(`${chat.url}/agent`);
    await agent.getByLabel('Agent id').fill('sam');
    await agent.getByRole('button', { name: 'Open console' }).click();
    await agent.getByRole('button', { name: /order-2077/ }).click();
    await agent.getByRole('log', { name: 'Messages' }).getByText('Hello, can a human help me with a refund?', { exact: true }).waitFor();
    await agent.getByRole('button', { name: 'Take over' }).click();
    await agent.getByText('You have taken over').waitFor();

    await user.getByText('A human agent (sam) has joined the conversation.').waitFor();
    await say(user, 'Message', 'It was order 2077, paid twice.');
    await agent.getByText('It was order 2077, paid twice.', { exact: true }).waitFor();
    await user.getByRole('textbox', { name: 'Message', exact: true }).pressSequentially('Great, thank');
    await agent.getByText('bruno is typing…').waitFor();
    await say(agent, 'Reply as agent', "Hi Bruno, I'm Sam. I see the double charge; the refund is on its way.");
    await messages(user).filter({ hasText: "I'm Sam. I see the double charge" }).waitFor();
    await chat.settled();
    expect(await messages(user).filter({ hasText: 'Demo bot: you said "It was order 2077' }).count()).toBe(0);
    await screenshot(user, 'chat.png');
    await screenshot(agent, 'agent.png');

    await agent.getByRole('button', { name: 'Hand back to bot' }).click();
    await user.getByText('The agent handed the conversation back to the bot.').waitFor();
    await say(user, 'Message', 'Thanks a lot!');
    await messages(user).filter({ hasText: 'Demo bot: you said "Thanks a lot!"' }).waitFor();
    await agent.getByText('Demo bot: you said "Thanks a lot!"').waitFor();
    await agent.getByRole('button', { name: 'Take over' }).waitFor();
    await user.close();
    await agent.close();
  });

  test('GIVEN a thread with more history than one page WHEN the user opens it THEN the latest page shows, and "Load earlier messages" brings the rest in order', async () => {
    // 40 user messages from three connections (each stays under the per-connection rate limit), 40 bot replies.
    const devices = await Promise.all([1, 2, 3].map(() => connectClient(devUrl(chat.wsUrl, { userId: 'dora', threadId: 'long-thread' }))));
    for (let index = 0; index < 40; index++) {
      const device = devices[index % 3];
      await device.request({ action: 'message.send', text: `note ${index}`, clientMessageId: `n-${index}` }, (frame) => frame.type === 'message.sent');
    }
    await chat.settled();
    await Promise.all(devices.map((device) => device.close()));

    const page = await context.newPage();
    await joinAs(page, 'dora', 'long-thread');
    await messages(page).filter({ hasText: 'note 39' }).first().waitFor();
    const firstPage = await messages(page).count();
    expect(firstPage).toBeLessThan(80);
    const loadEarlier = page.getByRole('button', { name: 'Load earlier messages' });
    for (let pages = 1; pages < 10 && (await loadEarlier.isVisible()); pages++) {
      const shown = await messages(page).count();
      await loadEarlier.click();
      // The next page has arrived when the list grew.
      await page.waitForFunction((count) => document.querySelectorAll('#messages > li').length > count, shown);
    }

    expect(await loadEarlier.isVisible()).toBe(false);
    expect(await messages(page).count()).toBe(80);

    const notes = (await page.locator('.msg--own .msg__text').allTextContents()).map((text) => Number(text.replace('note ', '')));
    expect(notes).toEqual([...Array(40).keys()]);
    await page.close();
  });

  test('GIVEN a phone-width screen WHEN the chat page is used THEN nothing scrolls sideways and the message box stays on screen', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 375, height: 700 });
    await joinAs(page, 'carla', 'phone-thread');
    await say(page, 'Message', 'Typing this on my phone, with a long sentence that has to wrap nicely inside the bubble.');
    await messages(page).filter({ hasText: 'Demo bot: you said' }).waitFor();

    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const box = await page.getByLabel('Message', { exact: true }).boundingBox();
    expect(box).not.toBeNull();
    expect(box!.y + box!.height).toBeLessThanOrEqual(700);
    await page.close();
  });

  test('GIVEN everything the pages loaded WHEN the requests are listed THEN none left the local server', () => {
    const origins = new Set(requestedUrls.map((url) => new URL(url).host));
    expect([...origins]).toEqual([`127.0.0.1:${chat.port}`]);
  });
});
