/**
 * Telephony: G.711 codecs and the Twilio Media Streams transport.
 */
export * from './audio/g711.ts';
export * from './transports/twilio-media-streams.ts';
