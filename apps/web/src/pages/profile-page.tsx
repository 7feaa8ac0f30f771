import type { MyProfile, UpdateProfileRequest } from '@tessera/client';
import { useState } from 'react';

import { ErrorSummary, Field, Loading, NoticeBox, SubmitButton } from '../components/forms';
import { money } from '../format';
import { useLoad, useSubmit, useTitle } from '../hooks';
import { useClient } from '../session';

const ADDRESS_FIELDS = ['line1', 'line2', 'city', 'postalCode', 'country'] as const;
type AddressForm = Record<(typeof ADDRESS_FIELDS)[number], string>;
const FIELD_PATHS = ['displayName', 'shippingAddress', ...ADDRESS_FIELDS.map((f) => `shippingAddress.${f}`)];

export function ProfilePage() {
  useTitle('Profile');
  const client = useClient();
  const loaded = useLoad(() => client.profile.me());
  return (
    <main className="narrow" data-testid="profile-page">
      <h1>Profile</h1>
      <ErrorSummary error={loaded.error} />
      {loaded.data ? <ProfileForm profile={loaded.data} /> : loaded.loading ? <Loading what="your profile" /> : null}
    </main>
  );
}

function ProfileForm({ profile }: { profile: MyProfile }) {
  const client = useClient();
  const [displayName, setDisplayName] = useState(profile.displayName ?? '');
  const [address, setAddress] = useState<AddressForm>({
    line1: profile.shippingAddress?.line1 ?? '',
    line2: profile.shippingAddress?.line2 ?? '',
    city: profile.shippingAddress?.city ?? '',
    postalCode: profile.shippingAddress?.postalCode ?? '',
    country: profile.shippingAddress?.country ?? '',
  });
  const [saved, setSaved] = useState(false);
  const field = (name: keyof AddressForm) => ({
    value: address[name],
    onChange: (value: string) => setAddress((a) => ({ ...a, [name]: value })),
    path: `shippingAddress.${name}`,
  });

  const form = useSubmit(async () => {
    setSaved(false);
    const body: UpdateProfileRequest = {};
    if (displayName.trim() !== '') {
      body.displayName = displayName.trim();
    }
    // An address is all or nothing: a form left empty does not touch the stored one.
    if (ADDRESS_FIELDS.some((f) => address[f].trim() !== '')) {
      body.shippingAddress = {
        line1: address.line1.trim(),
        ...(address.line2.trim() ? { line2: address.line2.trim() } : {}),
        city: address.city.trim(),
        postalCode: address.postalCode.trim(),
        country: address.country.trim().toUpperCase(),
      };
    }
    await client.profile.update(body);
    setSaved(true);
  }, FIELD_PATHS);

  return (
    <>
      <p data-testid="order-summary">
        {profile.orders
          ? `${profile.orders.count} order${profile.orders.count === 1 ? '' : 's'}, ${money(profile.orders.totalCents)} in all.`
          : 'Your order summary is not available right now.'}
      </p>
      <form onSubmit={form.onSubmit} noValidate aria-busy={form.busy} aria-label="Profile">
        <ErrorSummary error={form.error} />
        {saved && !form.busy ? <NoticeBox notice={{ tone: 'info', text: 'Profile saved.' }} /> : null}
        <Field
          label="Display name"
          path="displayName"
          autoComplete="nickname"
          value={displayName}
          onChange={setDisplayName}
          error={form.error}
        />
        <fieldset>
          <legend>Shipping address</legend>
          <Field label="Address line 1" autoComplete="address-line1" required error={form.error} {...field('line1')} />
          <Field label="Address line 2" autoComplete="address-line2" error={form.error} {...field('line2')} />
          <Field label="City" autoComplete="address-level2" required error={form.error} {...field('city')} />
          <Field label="Postal code" autoComplete="postal-code" required error={form.error} {...field('postalCode')} />
          <Field
            label="Country"
            autoComplete="country"
            required
            hint='Two-letter ISO code, such as "DE" or "FR".'
            error={form.error}
            {...field('country')}
          />
        </fieldset>
        <SubmitButton busy={form.busy} label="Save profile" busyLabel="Saving…" />
      </form>
    </>
  );
}
