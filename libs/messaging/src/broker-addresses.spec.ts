import { z } from 'zod';
import { brokerUrls, configIssues, loadConfig, sharedConfigShape } from '@tutorhub/platform';
import { BrokerAddresses, redact, toConnectOptions } from './broker-addresses';

const schema = z.object(sharedConfigShape);

describe('broker addresses (AMQP_URL list / AMQP_URLS)', () => {
  it('takes one URL, a comma-separated AMQP_URL list, or AMQP_URLS (which wins)', () => {
    expect(brokerUrls(loadConfig(schema, {}))).toEqual(['amqp://guest:guest@127.0.0.1:5672']);
    expect(brokerUrls(loadConfig(schema, { AMQP_URL: 'amqp://a:5672, amqp://b:5672 ,amqp://c:5672' }))).toEqual(['amqp://a:5672', 'amqp://b:5672', 'amqp://c:5672']);
    expect(brokerUrls(loadConfig(schema, { AMQP_URL: 'amqp://a:5672', AMQP_URLS: 'amqp://x:1,amqps://y:2' }))).toEqual(['amqp://x:1', 'amqps://y:2']);
    expect(brokerUrls(loadConfig(schema, { AMQP_URL: 'amqp://a:5672', AMQP_URLS: '' }))).toEqual(['amqp://a:5672']);
  });

  it('refuses an address that is not an AMQP URL, saying which', () => {
    expect(configIssues(schema, { AMQP_URL: 'amqp://a:5672,http://b:80' })).toEqual(['AMQP_URL: address 2 is not an amqp:// or amqps:// URL']);
    expect(configIssues(schema, { AMQP_URLS: 'not a url' })).toEqual(['AMQP_URLS: address 1 is not an amqp:// or amqps:// URL']);
    expect(configIssues(schema, { AMQP_URL: ' , ' })).toEqual(['AMQP_URL: must name at least one AMQP URL']);
  });

  it('turns a URL into amqplib’s object form with the same defaults', () => {
    expect(toConnectOptions('amqp://guest:guest@127.0.0.1:5681')).toEqual({ protocol: 'amqp', hostname: '127.0.0.1', port: 5681, username: 'guest', password: 'guest' });
    expect(toConnectOptions('amqps://u%40x:p%3Aw@mq.example/prod%2Fvh?heartbeat=30&frameMax=8192')).toEqual({
      protocol: 'amqps',
      hostname: 'mq.example',
      port: 5671,
      username: 'u@x',
      password: 'p:w',
      vhost: 'prod%2Fvh',
      heartbeat: 30,
      frameMax: 8192,
    });
    expect(toConnectOptions('amqp://mq')).toEqual({ protocol: 'amqp', hostname: 'mq', port: 5672 });
    expect(() => toConnectOptions('http://mq')).toThrow(/not an AMQP URL/);
  });

  it('moves round-robin through the addresses in one object that amqplib re-reads on every attempt', () => {
    const a = new BrokerAddresses(['amqp://u:secret@n1:5681', 'amqp://n2:5682', 'amqp://n3:5683'], 1);
    const target = a.target;
    expect(target).toEqual({ protocol: 'amqp', hostname: 'n2', port: 5682 });
    expect(a.next()).toBe('amqp://n3:5683');
    expect(a.target).toBe(target);
    expect(target.port).toBe(5683);
    expect(a.next()).toBe('amqp://u:***@n1:5681');
    // Fields of the previous address do not linger (n1 has credentials, n2 none).
    expect(target).toEqual({ protocol: 'amqp', hostname: 'n1', port: 5681, username: 'u', password: 'secret' });
    a.next();
    expect(target).toEqual({ protocol: 'amqp', hostname: 'n2', port: 5682 });
  });

  it('with one address stays on it', () => {
    const a = new BrokerAddresses(['amqp://only:5672']);
    a.next();
    expect(a.target.hostname).toBe('only');
    expect(a.size).toBe(1);
  });

  it('never logs a password', () => {
    expect(redact('amqp://user:hunter2@mq:5672')).toBe('amqp://user:***@mq:5672');
  });
});
