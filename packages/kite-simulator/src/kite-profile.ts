/** The profile part of Kite's answers: what the session and profile APIs say about a user. */

/** The fields of an account the profile shows. */
interface ProfileSource { userName: string; email: string }

export function profileOf(account: ProfileSource | undefined, userId: string): Record<string, unknown> {
  const userName = account?.userName ?? userId;
  return {
    user_id: userId,
    user_type: 'individual',
    email: account?.email ?? '',
    user_name: userName,
    user_shortname: shortName(userName),
    broker: 'ZERODHA',
    exchanges: ['NSE', 'BSE', 'NFO', 'MCX'],
    products: ['CNC', 'NRML', 'MIS'],
    order_types: ['MARKET', 'LIMIT', 'SL', 'SL-M'],
    avatar_url: null,
  };
}

export function shortName(name: string): string {
  return name.split(/\s+/)[0] ?? name;
}
