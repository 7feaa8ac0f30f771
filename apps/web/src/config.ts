/** Where the APIs are: served by the console's own server as /config.json, read at start. */
export interface ConsoleConfig {
  authUrl: string;
  ordersUrl: string;
  profileUrl: string;
}

export async function loadConsoleConfig(): Promise<ConsoleConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) {
    throw new Error(`/config.json answered ${res.status}`);
  }
  const body = (await res.json()) as Partial<Record<keyof ConsoleConfig, unknown>>;
  const url = (key: keyof ConsoleConfig): string => {
    const value = body[key];
    if (typeof value !== 'string' || !/^https?:\/\//.test(value)) {
      throw new Error(`/config.json has no ${key}`);
    }
    return value;
  };
  return { authUrl: url('authUrl'), ordersUrl: url('ordersUrl'), profileUrl: url('profileUrl') };
}
