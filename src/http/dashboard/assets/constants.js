// The dashboard's settings: the admin API's base path (from the page's meta tag), the runtime statuses, the storage
// keys of the credentials and the page sizes and refresh periods.

export const API_BASE = document.querySelector('meta[name="durably-api-base"]')?.getAttribute('content') ?? '';
export const STATUSES = ['Pending', 'Running', 'Suspended', 'Completed', 'Failed', 'Terminated', 'Canceled', 'ContinuedAsNew'];
export const ACTIVE = new Set(['Pending', 'Running', 'Suspended', 'ContinuedAsNew']);
export const TOKEN_KEY = 'durably.dashboard.token';
// A Durable Functions key, for an admin router secured with `keys`: sent as the x-functions-key header, never in a URL.
export const FUNCTION_KEY_KEY = 'durably.dashboard.key';
export const PAGE_SIZE = 25;
export const COUNT_PAGE_SIZE = 1000;
export const COUNT_MAX_PAGES = 5;
export const LIST_REFRESH_MS = 5000;
export const DETAIL_REFRESH_MS = 2000;
// The health view's refresh: about the admin router's sample interval (it samples at most every 5 s).
export const HEALTH_REFRESH_MS = 5000;
