// Built-in user flows for the Locust-style model.
//   index    — the workshop's locustfile: every task is GET /.
//   sockshop — a realistic Sock Shop shopper against the front-end's API: each simulated user registers its own
//              account (POST /register sets the logged_in cookie), adds an address and a card, then browses
//              (home, catalogue, category by tag, item detail), logs in with Basic auth, fills the cart, looks at
//              the basket and orders. Orders hold one item priced so that item + shipping stays under 100: the
//              payment service declines larger amounts, which would show as failures with no fault present.
import type { RequestSpec } from './types';

export interface HttpResponse {
  status: number;
  ok: boolean;
  body: Buffer;
}

export interface FlowUser {
  /** Unique in the run. */
  readonly id: string;
  readonly index: number;
  readonly state: Record<string, unknown>;
  /** Sends a request with the user's cookies; undefined when it failed without a response. */
  request(r: RequestSpec): Promise<HttpResponse | undefined>;
}

export interface FlowTask {
  name: string;
  weight: number;
  run(u: FlowUser): Promise<void>;
}

export interface Flow {
  description: string;
  onStart?(u: FlowUser): Promise<void>;
  tasks: FlowTask[];
}

/** Sock Shop's front-end adds this shipping cost to every order. */
export const SOCKSHOP_SHIPPING = 4.99;
/** The payment service declines amounts above this. */
export const SOCKSHOP_PAYMENT_LIMIT = 100;
/** Tags in the stock catalogue, used when GET /tags fails. */
const DEFAULT_TAGS = ['brown', 'geek', 'formal', 'blue', 'skin', 'red', 'action', 'sport', 'black', 'magic', 'green'];

interface Item {
  id: string;
  price: number;
}

function json(r: { body: Buffer } | undefined): unknown {
  if (!r) return undefined;
  try {
    return JSON.parse(r.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function pick<T>(xs: T[]): T | undefined {
  return xs.length ? xs[Math.floor(Math.random() * xs.length)] : undefined;
}

/** Items a one-item order can buy without being declined (item + shipping ≤ limit). */
export function affordable(items: Item[]): Item[] {
  return items.filter((i) => i.price + SOCKSHOP_SHIPPING <= SOCKSHOP_PAYMENT_LIMIT);
}

async function catalogue(u: FlowUser): Promise<Item[]> {
  const cached = u.state.items as Item[] | undefined;
  if (cached?.length) return cached;
  const data = json(await u.request({ path: '/catalogue', name: 'GET /catalogue' }));
  const items = Array.isArray(data)
    ? data
        .map((d) => ({ id: String((d as { id?: unknown }).id ?? ''), price: Number((d as { price?: unknown }).price) }))
        .filter((i) => i.id && Number.isFinite(i.price))
    : [];
  if (items.length) u.state.items = items;
  return items;
}

function credentials(u: FlowUser): { username: string; password: string } {
  return { username: `load-${u.id}`, password: `pw-${u.id}` };
}

function basic(u: FlowUser): string {
  const { username, password } = credentials(u);
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

async function login(u: FlowUser): Promise<void> {
  await u.request({ path: '/login', name: 'GET /login', headers: { Authorization: basic(u) } });
}

export const FLOWS: Record<'index' | 'sockshop', Flow> = {
  index: {
    description: "The workshop's locustfile: GET / between waits.",
    tasks: [
      {
        name: 'index',
        weight: 1,
        run: async (u) => {
          await u.request({ path: '/', name: 'GET /' });
        },
      },
    ],
  },
  sockshop: {
    description: 'A Sock Shop shopper with its own account: browse, log in, fill the cart, order under the payment limit.',
    onStart: async (u) => {
      const { username, password } = credentials(u);
      const reg = await u.request({
        method: 'POST',
        path: '/register',
        name: 'POST /register',
        body: JSON.stringify({ username, password, email: `${username}@example.com`, firstName: 'Load', lastName: `User ${u.index}` }),
      });
      // Registration logs the user in; when the account already exists, log in instead.
      if (!reg?.ok) await login(u);
      await u.request({
        method: 'POST',
        path: '/addresses',
        name: 'POST /addresses',
        body: JSON.stringify({ number: '1', street: 'Load Street', city: 'Testville', postcode: '00000', country: 'Nowhere' }),
      });
      await u.request({
        method: 'POST',
        path: '/cards',
        name: 'POST /cards',
        body: JSON.stringify({ longNum: '4111111111111111', expires: '12/30', ccv: '123' }),
      });
      const tags = json(await u.request({ path: '/tags', name: 'GET /tags' })) as { tags?: unknown } | undefined;
      u.state.tags = Array.isArray(tags?.tags) && tags.tags.length ? tags.tags.map(String) : DEFAULT_TAGS;
      await catalogue(u);
    },
    tasks: [
      {
        name: 'home',
        weight: 5,
        run: async (u) => {
          await u.request({ path: '/', name: 'GET /' });
        },
      },
      {
        name: 'catalogue',
        weight: 3,
        run: async (u) => {
          await u.request({ path: '/category.html', name: 'GET /category.html' });
          await u.request({ path: '/catalogue', name: 'GET /catalogue' });
        },
      },
      {
        name: 'category',
        weight: 2,
        run: async (u) => {
          const tag = pick((u.state.tags as string[] | undefined) ?? DEFAULT_TAGS) ?? 'blue';
          await u.request({ path: `/category.html?tags=${encodeURIComponent(tag)}`, name: 'GET /category.html?tags=[tag]' });
          await u.request({ path: `/catalogue?tags=${encodeURIComponent(tag)}`, name: 'GET /catalogue?tags=[tag]' });
        },
      },
      {
        name: 'detail',
        weight: 3,
        run: async (u) => {
          const item = pick(await catalogue(u));
          if (!item) return;
          await u.request({ path: `/detail.html?id=${encodeURIComponent(item.id)}`, name: 'GET /detail.html?id=[id]' });
          await u.request({ path: `/catalogue/${encodeURIComponent(item.id)}`, name: 'GET /catalogue/[id]' });
        },
      },
      { name: 'login', weight: 1, run: login },
      {
        name: 'add to cart',
        weight: 2,
        run: async (u) => {
          const item = pick(affordable(await catalogue(u)));
          if (!item) return;
          await u.request({ method: 'POST', path: '/cart', name: 'POST /cart', body: JSON.stringify({ id: item.id, quantity: 1 }) });
        },
      },
      {
        name: 'basket',
        weight: 2,
        run: async (u) => {
          await u.request({ path: '/basket.html', name: 'GET /basket.html' });
          await u.request({ path: '/cart', name: 'GET /cart' });
        },
      },
      {
        name: 'order',
        weight: 1,
        run: async (u) => {
          const item = pick(affordable(await catalogue(u)));
          if (!item) return;
          // One affordable item only: empty the cart first so earlier additions don't push it over the limit.
          await u.request({ method: 'DELETE', path: '/cart', name: 'DELETE /cart' });
          const added = await u.request({ method: 'POST', path: '/cart', name: 'POST /cart', body: JSON.stringify({ id: item.id, quantity: 1 }) });
          if (!added?.ok) return;
          await u.request({ method: 'POST', path: '/orders', name: 'POST /orders' });
        },
      },
    ],
  },
};
