import type { Order, OrderItem } from '@tessera/client';
import { useState } from 'react';

import { ErrorSummary, Field, Loading, NoticeBox, SubmitButton } from '../components/forms';
import { Link } from '../components/link';
import { InputError } from '../errors';
import { dateTime, money, parseCents } from '../format';
import { useLoad, useSubmit, useTitle } from '../hooks';
import { ROUTES } from '../router';
import { useClient } from '../session';

interface ItemRow {
  key: number;
  sku: string;
  quantity: string;
  price: string;
}

const PAGE_SIZE = 20;
let nextKey = 1;
const emptyRow = (): ItemRow => ({ key: nextKey++, sku: '', quantity: '1', price: '' });

export function OrdersPage() {
  useTitle('Orders');
  const client = useClient();
  const [more, setMore] = useState<Order[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const loaded = useLoad(async () => {
    const page = await client.orders.list({ limit: PAGE_SIZE });
    setMore([]);
    setCursor(page.nextCursor);
    return page.items;
  });
  const orders = [...(loaded.data ?? []), ...more];

  return (
    <main data-testid="orders-page">
      <h1>Orders</h1>
      <PlaceOrderForm onPlaced={loaded.reload} />
      <section aria-labelledby="orders-heading">
        <h2 id="orders-heading">Your orders</h2>
        <ErrorSummary error={loaded.error} />
        {loaded.loading && !loaded.data ? <Loading what="your orders" /> : null}
        {loaded.data && orders.length === 0 ? <p>No orders yet.</p> : null}
        {orders.length > 0 ? <OrdersTable orders={orders} busy={loaded.loading} onChanged={loaded.reload} /> : null}
        {cursor ? (
          <LoadMore
            load={async () => {
              const page = await client.orders.list({ limit: PAGE_SIZE, cursor });
              setMore((m) => [...m, ...page.items]);
              setCursor(page.nextCursor);
            }}
          />
        ) : null}
      </section>
    </main>
  );
}

function PlaceOrderForm({ onPlaced }: { onPlaced: () => void }) {
  const client = useClient();
  const [rows, setRows] = useState<ItemRow[]>(() => [emptyRow()]);
  const [placed, setPlaced] = useState<Order | null>(null);
  const update = (key: number, change: Partial<ItemRow>) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...change } : r)));

  const paths = rows.flatMap((_, i) => [`items.${i}.sku`, `items.${i}.quantity`, `items.${i}.unitPriceCents`]);
  const form = useSubmit(async () => {
    setPlaced(null);
    const items: OrderItem[] = rows.map((row, i) => {
      const unitPriceCents = parseCents(row.price);
      if (unitPriceCents === undefined) {
        throw new InputError(`items.${i}.unitPriceCents`, 'Unit price must be an amount such as 12.50.');
      }
      const quantity = Number(row.quantity.trim());
      return { sku: row.sku.trim().toUpperCase(), quantity, unitPriceCents };
    });
    const order = await client.orders.create({ items });
    setPlaced(order);
    setRows([emptyRow()]);
    onPlaced();
  }, ['items', ...paths]);

  return (
    <section aria-labelledby="place-order-heading">
      <h2 id="place-order-heading">Place an order</h2>
      <form onSubmit={form.onSubmit} noValidate aria-busy={form.busy} aria-label="Place an order">
        <ErrorSummary error={form.error}>
          {form.error?.message.startsWith('Set a shipping address') ? (
            <p>
              <Link to={ROUTES.profile}>Go to your profile</Link>
            </p>
          ) : null}
        </ErrorSummary>
        {form.error?.fields.items ? (
          <ul className="field-error" data-testid="field-error-items">
            {form.error.fields.items.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        ) : null}
        {placed && !form.busy ? (
          <NoticeBox notice={{ tone: 'info', text: `Order placed: ${money(placed.totalCents)} in all.` }} />
        ) : null}
        {rows.map((row, i) => (
          <fieldset key={row.key} className="item-row" data-testid="item-row">
            <legend>Item {i + 1}</legend>
            <Field
              label="SKU"
              path={`items.${i}.sku`}
              required
              value={row.sku}
              onChange={(sku) => update(row.key, { sku })}
              error={form.error}
            />
            <Field
              label="Quantity"
              path={`items.${i}.quantity`}
              type="number"
              inputMode="numeric"
              min={1}
              max={1000}
              required
              value={row.quantity}
              onChange={(quantity) => update(row.key, { quantity })}
              error={form.error}
            />
            <Field
              label="Unit price"
              path={`items.${i}.unitPriceCents`}
              inputMode="decimal"
              required
              value={row.price}
              onChange={(price) => update(row.key, { price })}
              error={form.error}
            />
            {rows.length > 1 ? (
              <button
                type="button"
                className="secondary"
                onClick={() => setRows((rs) => rs.filter((r) => r.key !== row.key))}
              >
                Remove item {i + 1}
              </button>
            ) : null}
          </fieldset>
        ))}
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setRows((rs) => [...rs, emptyRow()])}>
            Add an item
          </button>
          <SubmitButton busy={form.busy} label="Place order" busyLabel="Placing order…" />
        </div>
      </form>
    </section>
  );
}

function OrdersTable({ orders, busy, onChanged }: { orders: Order[]; busy: boolean; onChanged: () => void }) {
  return (
    <table aria-busy={busy} data-testid="orders-table">
      <thead>
        <tr>
          <th scope="col">Placed</th>
          <th scope="col">Items</th>
          <th scope="col">Total</th>
          <th scope="col">Status</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {orders.map((order) => (
          <OrderRow key={order.id} order={order} onChanged={onChanged} />
        ))}
      </tbody>
    </table>
  );
}

function OrderRow({ order, onChanged }: { order: Order; onChanged: () => void }) {
  const client = useClient();
  const cancel = useSubmit(async () => {
    await client.orders.cancel(order.id);
    onChanged();
  });
  return (
    <tr data-testid="order-row" data-order-id={order.id}>
      <td>{dateTime(order.createdAt)}</td>
      <td>
        {order.items.map((item) => (
          <span key={item.sku} className="item">
            {item.quantity} × {item.sku} at {money(item.unitPriceCents)}
          </span>
        ))}
      </td>
      <td>{money(order.totalCents)}</td>
      <td>{order.status}</td>
      <td>
        {order.status === 'placed' ? (
          <form onSubmit={cancel.onSubmit} aria-busy={cancel.busy} aria-label={`Cancel order ${order.id}`}>
            <SubmitButton busy={cancel.busy} label="Cancel" busyLabel="Cancelling…" />
          </form>
        ) : null}
        <ErrorSummary error={cancel.error} />
      </td>
    </tr>
  );
}

function LoadMore({ load }: { load: () => Promise<void> }) {
  const more = useSubmit(load);
  return (
    <form onSubmit={more.onSubmit} aria-busy={more.busy} aria-label="More orders">
      <ErrorSummary error={more.error} />
      <SubmitButton busy={more.busy} label="Load more" busyLabel="Loading…" />
    </form>
  );
}
