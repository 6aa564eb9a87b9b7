/**
 * The chat page and the agent view in headless Chromium (Debian's package at /usr/bin/chromium,
 * driven by playwright-core), against the local runtime with the real handlers and the demo bot.
 * With UPDATE_SCREENSHOTS=1 it rewrites the screenshots help/ shows (help/screenshots/chat.png,
 * agent.png); otherwise they go to a temporary directory. The server's functions and the browser
 * both run on a clock that starts at a fixed instant, so regenerated images show the same times.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page, type WebSocketRoute } from 'playwright-core';
import { startLocalChat, type LocalChat } from '../../local/local-chat';
import { loadChatClientModule, nextEvent, openChatClient, sendUntil, type ChatClient, type PageConfig } from './support/web-client';
import type { Frame } from './support/ws-client';

const CHROMIUM = '/usr/bin/chromium';
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const HELP_SCREENSHOTS = path.resolve(__dirname, '../../help/screenshots');
/** What the clocks read when the runtime and the browser start: the time the screenshots show. */
const CLOCK_START = Date.parse('2026-03-02T09:30:00Z');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Same pixels from run to run (screenshots): no partial re-rasterization, one colour profile.
  '--disable-partial-raster',
  '--force-color-profile=srgb',
];

let chat: LocalChat;
let context: BrowserContext;
let userDataDir: string;
let screenshotDir: string;
const requestedUrls: string[] = [];
/** Hosts of the runtimes these tests start: the only ones the pages may reach. */
const localOrigins = new Set<string>();
/** What the pages load from /config.json, for the protocol clients the tests run in Node next to them. */
let config: PageConfig;
const protocolClients: ChatClient[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium), as .ci/run does`);
  }
  chat = await startLocalChat({ port: 0, logLevel: 'error', clockStartsAt: CLOCK_START });
  localOrigins.add(new URL(chat.url).host);
  config = await loadChatClientModule().loadConfig(chat.url);
  userDataDir = mkdtempSync(path.join(tmpdir(), 'chat-browser-'));
  screenshotDir = UPDATE_SCREENSHOTS ? HELP_SCREENSHOTS : mkdtempSync(path.join(tmpdir(), 'chat-screenshots-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1000, height: 700 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  await context.clock.install({ time: CLOCK_START });
  context.on('request', (request) => requestedUrls.push(request.url()));
  // Every text a role=alert element shows, in order: what a screen reader announced, even if replaced since.
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { alertsAnnounced: string[] }).alertsAnnounced = seen;
    new MutationObserver(() => {
      for (const element of Array.from(document.querySelectorAll('[role="alert"]'))) {
        const text = element.textContent ?? '';
        if (text && seen[seen.length - 1] !== text) seen.push(text);
      }
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
});

afterEach(() => {
  for (const client of protocolClients.splice(0)) client.close();
});

afterAll(async () => {
  await context?.close();
  await chat?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  if (screenshotDir && !UPDATE_SCREENSHOTS) rmSync(screenshotDir, { recursive: true, force: true });
});

async function joinAs(page: Page, userId: string, threadId: string, server: LocalChat = chat): Promise<void> {
  await page.goto(`${server.url}/`);
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
  await page.screenshot({ path: path.join(screenshotDir, file), animations: 'disabled', caret: 'hide' });
}

const messages = (page: Page) => page.getByRole('log', { name: 'Messages' }).getByRole('listitem');
/** The viewer's own messages with this text (one bubble each, whatever their delivery state). */
const ownMessages = (page: Page, text: string) => page.locator('#messages > li.msg--own', { hasText: text });
const alertsAnnounced = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { alertsAnnounced: string[] }).alertsAnnounced);

/** Another participant, outside the browser: the pages' own protocol client (local/web/chat-client.js) in Node. */
async function protocolClient(identity: { userId: string; threadId: string; role?: 'user' | 'agent' }): Promise<ChatClient> {
  const client = await openChatClient({ config, pageUrl: chat.url, ...identity });
  protocolClients.push(client);
  return client;
}

/** A new page joined to a thread, its sockets tapped (see SocketTap). */
async function tappedChat(userId: string, threadId: string, server: LocalChat = chat): Promise<{ page: Page; tap: SocketTap }> {
  const page = await context.newPage();
  const tap = await SocketTap.attach(page, userId);
  await joinAs(page, userId, threadId, server);
  return { page, tap };
}

type Direction = 'page' | 'server';
type Fate = 'hold' | 'cut' | { replaceWith: Frame };

/**
 * Puts the test between a page and the server (Playwright's routeWebSocket) for the sockets of one
 * user id: records every frame with its connection number (1, 2, … as the page reconnects) and, once
 * per rule, holds a frame until release(), cuts the connection instead of passing the frame on, as
 * a network that drops would, or passes another frame in its place (an API Gateway error answer).
 */
class SocketTap {
  readonly frames: { connection: number; from: Direction; frame: Frame }[] = [];
  private connections = 0;
  private readonly rules: { from: Direction; matches: (frame: Frame) => boolean; fate: Fate }[] = [];
  private readonly held: (() => void)[] = [];
  private readonly waiters: { matches: (entry: SocketTap['frames'][number]) => boolean; resolve: () => void }[] = [];
  private current?: { page: WebSocketRoute; server: WebSocketRoute };

  static async attach(page: Page, userId: string): Promise<SocketTap> {
    const tap = new SocketTap();
    await page.routeWebSocket((url) => url.searchParams.get('userId') === userId, (route) => tap.route(route));
    return tap;
  }

  once(from: Direction, matches: (frame: Frame) => boolean, fate: Fate): void {
    this.rules.push({ from, matches, fate });
  }

  release(): void {
    for (const deliver of this.held.splice(0)) deliver();
  }

  /** Drops the current connection, as a network would (the page sees code 4000 and reconnects). */
  cut(): void {
    void this.current?.page.close({ code: 4000, reason: 'test: network dropped' });
    void this.current?.server.close();
  }

  /** Resolves once connection `connection` has carried a frame from `from` that `matches` (before or after this call). */
  seen(connection: number, from: Direction, matches: (frame: Frame) => boolean): Promise<void> {
    const wanted = (entry: SocketTap['frames'][number]): boolean => entry.connection === connection && entry.from === from && matches(entry.frame);
    if (this.frames.some(wanted)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ matches: wanted, resolve }));
  }

  private route(page: WebSocketRoute): void {
    const connection = ++this.connections;
    const server = page.connectToServer();
    this.current = { page, server };
    const pass = (from: Direction, data: string | Buffer, deliver: () => void): void => {
      const entry = { connection, from, frame: JSON.parse(String(data)) as Frame };
      this.frames.push(entry);
      for (const waiter of this.waiters.filter((candidate) => candidate.matches(entry))) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const rule = this.rules.find((candidate) => candidate.from === from && candidate.matches(entry.frame));
      if (rule) this.rules.splice(this.rules.indexOf(rule), 1);
      if (rule?.fate === 'hold') this.held.push(deliver);
      else if (rule?.fate === 'cut') this.cut();
      else if (rule) (from === 'page' ? server : page).send(JSON.stringify(rule.fate.replaceWith));
      else deliver();
    };
    page.onMessage((data) => pass('page', data, () => server.send(data)));
    server.onMessage((data) => pass('server', data, () => page.send(data)));
  }
}

/** WCAG contrast ratios of the text lines of a message bubble, as drawn (its colours, background and opacity, over the white panel). */
function bubbleContrast(item: HTMLElement): number[] {
  const rgba = (color: string): number[] => (color.match(/[\d.]+/g) ?? []).map(Number);
  const over = (top: number[], bottom: number[]): number[] => [0, 1, 2].map((i) => top[i] * (top[3] ?? 1) + bottom[i] * (1 - (top[3] ?? 1)));
  const channel = (value: number): number => (value / 255 <= 0.03928 ? value / 255 / 12.92 : ((value / 255 + 0.055) / 1.055) ** 2.4);
  const luminance = ([r, g, b]: number[]): number => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const ratio = (a: number[], b: number[]): number => {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  };
  const panel = [255, 255, 255];
  let opacity = 1;
  for (let element: HTMLElement | null = item; element; element = element.parentElement) opacity *= Number(getComputedStyle(element).opacity);
  const background = over(rgba(getComputedStyle(item).backgroundColor), panel);
  return Array.from(item.querySelectorAll('p')).map((line) => {
    const text = over(rgba(getComputedStyle(line).color), background);
    return ratio(over([...text, opacity], panel), over([...background, opacity], panel));
  });
}

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
    await say(agent, 'Reply as agent', "Hi Bruno, I'm Sam. I see the double charge; the refund is on its way.");
    await messages(user).filter({ hasText: "I'm Sam. I see the double charge" }).waitFor();
    await chat.settled();
    expect(await messages(user).filter({ hasText: 'Demo bot: you said "It was order 2077' }).count()).toBe(0);
    await screenshot(user, 'chat.png');
    await screenshot(agent, 'agent.png');
    // After the screenshots: a typing indicator lasts seconds, so it would make them differ from run to run.
    await user.getByRole('textbox', { name: 'Message', exact: true }).pressSequentially('Great, thank');
    await agent.getByText('bruno is typing…').waitFor();

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
    const devices = await Promise.all([1, 2, 3].map(() => protocolClient({ userId: 'dora', threadId: 'long-thread' })));
    for (let index = 0; index < 40; index++) await sendUntil(devices[index % 3], `note ${index}`, 'confirmed');
    await chat.settled();
    for (const device of devices) device.close();

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

  test('GIVEN a message whose ack is lost with the connection WHEN the page reconnects THEN the loss was announced, the message went again with its clientMessageId, shows once as Sent, and bot replies the history shows again carry no delivery state', async () => {
    const { page, tap } = await tappedChat('erin', 'lost-ack');
    await say(page, 'Message', 'First question');
    await messages(page).filter({ hasText: 'Demo bot: you said "First question"' }).waitFor();

    tap.once('server', (frame) => frame.type === 'message.sent', 'cut');
    await say(page, 'Message', 'Second question');
    await ownMessages(page, 'Second question').getByText('Sent', { exact: true }).waitFor();
    // Once the new connection's history has reached the page, so has the ack of a message sent after it.
    await tap.seen(2, 'server', (frame) => frame.type === 'history');
    await say(page, 'Message', 'Third question');
    await ownMessages(page, 'Third question').getByText('Sent', { exact: true }).waitFor();

    expect(await ownMessages(page, 'Second question').count()).toBe(1);
    const acks = tap.frames.filter(({ from, frame }) => from === 'server' && frame.type === 'message.sent' && frame.message.text === 'Second question');
    expect(acks.map(({ connection }) => connection)).toEqual([1, 2]);
    expect(acks[1].frame.clientMessageId).toBe(acks[0].frame.clientMessageId);
    expect(acks[1].frame.message.messageId).toBe(acks[0].frame.message.messageId);
    expect(await alertsAnnounced(page)).toContain('Your message was not confirmed: connection lost before the server confirmed it; it is sent again when the connection is back.');
    expect(await page.locator('#messages > li.msg--bot').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#messages > li.msg--bot .msg__state').count()).toBe(0);
    await page.close();
  });

  test('GIVEN a resent message whose answer is an API Gateway error (no type, a message) WHEN the page reconnects THEN the error is announced, the history is still read, and the message shows once as Sent', async () => {
    const { page, tap } = await tappedChat('gina', 'gateway-error');
    tap.once('server', (frame) => frame.type === 'message.sent', 'cut');
    tap.once('server', (frame) => frame.type === 'message.sent', {
      replaceWith: { message: 'Endpoint request timed out', connectionId: 'x', requestId: 'y' },
    });

    await say(page, 'Message', 'Hello after a timeout');
    await tap.seen(2, 'server', (frame) => frame.type === 'history');

    await ownMessages(page, 'Hello after a timeout').getByText('Sent', { exact: true }).waitFor();
    expect(await ownMessages(page, 'Hello after a timeout').count()).toBe(1);
    expect(await alertsAnnounced(page)).toContain('Server error (Endpoint request timed out): try again.');
    await page.close();
  });

  test('GIVEN a message lost with the connection before the server got it WHEN the page reconnects THEN it is sent with the same clientMessageId, shows once as Sent, and the bot answers it', async () => {
    const { page, tap } = await tappedChat('fiona', 'resend-thread');

    tap.once('page', (frame) => frame.action === 'message.send', 'cut');
    await say(page, 'Message', 'Are you there?');
    const bubble = ownMessages(page, 'Are you there?');
    await bubble.getByText('Sent', { exact: true }).waitFor();
    await messages(page).filter({ hasText: 'Demo bot: you said "Are you there?"' }).waitFor();

    expect(await bubble.count()).toBe(1);
    const sends = tap.frames.filter(({ from, frame }) => from === 'page' && frame.action === 'message.send');
    expect(sends.map(({ connection }) => connection)).toEqual([1, 2]);
    expect(sends[1].frame.clientMessageId).toBe(sends[0].frame.clientMessageId);
    await page.close();
  });

  test('GIVEN a message the server refuses with RATE_LIMITED WHEN it is shown THEN the reason is announced and Retry sends it with the same clientMessageId (here on a new connection, with a new allowance)', async () => {
    // One message per connection and hour, on a clock at the start of an hour: the second message is refused.
    const limited = await startLocalChat({
      port: 0,
      logLevel: 'error',
      demoBot: false,
      rateLimit: { messages: 1, windowSeconds: 3600 },
      clockStartsAt: Date.parse('2026-03-02T09:00:00Z'),
    });
    localOrigins.add(new URL(limited.url).host);
    try {
      const { page, tap } = await tappedChat('gina', 'limited-thread', limited);
      await say(page, 'Message', 'One');
      await ownMessages(page, 'One').getByText('Sent', { exact: true }).waitFor();
      await say(page, 'Message', 'Two');
      const bubble = ownMessages(page, 'Two');
      await bubble.getByText(/^Not sent: Slow down/).waitFor();
      expect((await alertsAnnounced(page)).filter((text) => text.startsWith('Not sent: Slow down'))).toHaveLength(1);

      tap.cut();
      await tap.seen(2, 'page', (frame) => frame.action === 'thread.history');
      await bubble.getByRole('button', { name: 'Retry' }).click();
      await bubble.getByText('Sent', { exact: true }).waitFor();

      expect(await bubble.count()).toBe(1);
      const sends = tap.frames.filter(({ from, frame }) => from === 'page' && frame.action === 'message.send' && frame.text === 'Two');
      expect(sends.map(({ connection }) => connection)).toEqual([1, 2]);
      expect(sends[1].frame.clientMessageId).toBe(sends[0].frame.clientMessageId);
      await page.close();
    } finally {
      await limited.close();
    }
  });

  test('GIVEN an own message waiting for its ack WHEN it is shown as "Sending…" THEN every line of the bubble keeps at least 4.5:1 contrast', async () => {
    const { page, tap } = await tappedChat('gwen', 'contrast-thread');

    tap.once('server', (frame) => frame.type === 'message.sent', 'hold');
    await say(page, 'Message', 'Is this readable?');
    // The ack has arrived and is held: the bubble stays "Sending…" while it is measured.
    await tap.seen(1, 'server', (frame) => frame.type === 'message.sent');
    const sending = page.locator('#messages > li[data-state="sending"]');
    await sending.getByText('Sending…').waitFor();
    // As it stays, not halfway through its fade-in.
    await sending.evaluate((item) => Promise.all(item.getAnimations().map((animation) => animation.finished)));
    const ratios = await sending.evaluate(bubbleContrast);
    expect(ratios).toHaveLength(3);
    expect(Math.min(...ratios)).toBeGreaterThanOrEqual(4.5);

    tap.release();
    await ownMessages(page, 'Is this readable?').getByText('Sent', { exact: true }).waitFor();
    await page.close();
  });

  test('GIVEN one user on two devices and an agent WHEN the user types on one device THEN the other device shows only the agent typing, never the user themself', async () => {
    const phone = await context.newPage();
    const laptop = await context.newPage();
    await joinAs(phone, 'hugo', 'two-devices');
    await joinAs(laptop, 'hugo', 'two-devices');
    const agent = await protocolClient({ userId: 'tess', role: 'agent', threadId: 'two-devices' });
    const hugoTyping = nextEvent<{ typers: string[] }>(agent, 'typing', ({ typers }) => typers.includes('hugo'));

    await laptop.getByRole('textbox', { name: 'Message', exact: true }).pressSequentially('Hel');
    await hugoTyping;
    // Every post of that typing frame is done, so the phone got it before the agent's below.
    await chat.settled();
    agent.typed();

    const typing = phone.locator('#typing');
    await typing.getByText(/tess/).waitFor();
    expect(await typing.textContent()).toBe('tess is typing…');
    await phone.close();
    await laptop.close();
  });

  test('GIVEN a keyboard user at phone width WHEN they follow the skip link, or open a thread in /agent THEN focus moves to the main content, and to the thread panel (below the list), on screen', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 375, height: 700 });
    await page.goto(`${chat.url}/`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'main');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('user-id');
    await page.close();

    const customer = await protocolClient({ userId: 'ines', threadId: 'focus-thread' });
    await sendUntil(customer, 'Anyone?', 'confirmed');
    const agent = await context.newPage();
    await agent.setViewportSize({ width: 375, height: 700 });
    await agent.goto(`${chat.url}/agent`);
    await agent.getByLabel('Agent id').fill('uma');
    await agent.getByRole('button', { name: 'Open console' }).click();
    await agent.getByRole('button', { name: /focus-thread/ }).click();

    await agent.waitForFunction(() => document.activeElement?.id === 'thread-heading');
    const heading = await agent.locator('#thread-heading').boundingBox();
    const list = await agent.locator('#threads-panel').boundingBox();
    expect(heading!.y).toBeGreaterThan(list!.y + list!.height - 1);
    expect(heading!.y).toBeGreaterThanOrEqual(0);
    expect(heading!.y + heading!.height).toBeLessThanOrEqual(700);
    await agent.close();
  });

  test('GIVEN a page whose /config.json is slow WHEN the user reaches the form before it has loaded THEN the form is disabled, and once it is ready what the user types is kept and connects', async () => {
    for (const [pagePath, formLabels, submit, ready] of [
      ['/', ['Your user id', 'Thread id'], 'Connect', 'Connected as wes'],
      ['/agent', ['Agent id'], 'Open console', 'Signed in as wes'],
    ] as const) {
      const page = await context.newPage();
      let releaseConfig!: () => void;
      const configHeld = new Promise<void>((resolve) => (releaseConfig = resolve));
      await page.route('**/config.json', async (route) => {
        await configHeld;
        await route.continue();
      });
      await page.goto(`${chat.url}${pagePath}`);

      for (const label of formLabels) expect(await page.getByLabel(label).isDisabled()).toBe(true);
      expect(await page.getByRole('button', { name: submit }).isDisabled()).toBe(true);

      releaseConfig();
      const [idLabel, threadLabel] = formLabels;
      await page.getByLabel(idLabel).fill('wes');
      if (threadLabel) await page.getByLabel(threadLabel).fill('slow-config-thread');
      await page.getByRole('button', { name: submit }).click();
      await page.getByRole('status').filter({ hasText: ready }).waitFor();
      await page.close();
    }
  });

  test('GIVEN everything the pages loaded WHEN the requests are listed THEN none left the local servers', () => {
    const origins = new Set(requestedUrls.map((url) => new URL(url).host));
    expect(origins.has(`127.0.0.1:${chat.port}`)).toBe(true);
    expect([...origins].filter((origin) => !localOrigins.has(origin))).toEqual([]);
  });
});
