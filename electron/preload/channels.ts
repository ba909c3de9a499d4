/** IPC channel names shared by the preload and the shell. One channel per procedure. */
export const apiChannel = (procedure: string) => `gatehouse:api:${procedure}`;
export const LIVE_SUBSCRIBE = 'gatehouse:live:subscribe';
export const LIVE_UNSUBSCRIBE = 'gatehouse:live:unsubscribe';
export const LIVE_CHANNEL = 'gatehouse:live';
