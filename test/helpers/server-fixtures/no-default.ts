/** A job module without a default export: workers fail to start. */
export const notAJob = true;
