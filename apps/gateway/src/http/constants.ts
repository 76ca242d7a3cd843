export const API_PREFIX = 'api';
/** Routes that receive the exact bytes a third party signed (Chapa's webhook): body kept raw. */
export const RAW_BODY_PATHS = ['/api/webhooks'];
