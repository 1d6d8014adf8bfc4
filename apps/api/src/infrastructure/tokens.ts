/** The runtime's injection tokens live with the application layer, which the API's modules share. */
export { EVENT_STORE, PG_POOL, RUNTIME } from '#application';
