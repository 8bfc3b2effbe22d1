/**
 * The API's own name and domain rules (api/src/features/stores/store-rules.ts), checked in the browser
 * before anything is sent: one module, no copy.
 */
export { checkStoreInput, domainError, storeNameError, type StoreFieldErrors } from '../../../api/src/features/stores/store-rules.ts';
