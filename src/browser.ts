export * from './transports/browser.ts';
