// Types for the part of agora-token's internals the tests use to reproduce Agora's published
// AccessToken2 vector with a fixed salt and issue time (the package ships no types for them).
declare module 'agora-token/src/AccessToken2' {
  export const kRtcServiceType: number;

  export class ServiceRtc {
    static readonly kPrivilegeJoinChannel: number;
    static readonly kPrivilegePublishAudioStream: number;
    static readonly kPrivilegePublishVideoStream: number;
    static readonly kPrivilegePublishDataStream: number;
    constructor(channelName: string, uid: string | number);
    add_privilege(privilege: number, expire: number): void;
    service_type(): number;
    /** A string when built, a Buffer when parsed. */
    __channel_name: string | Buffer;
    __uid: string | Buffer;
    __privileges: Record<number, number>;
  }

  export class AccessToken2 {
    constructor(appId: string, appCertificate: string, issueTs: number, expire: number);
    /** A string when built, a Buffer when parsed. */
    appId: string | Buffer;
    issueTs: number;
    expire: number;
    salt: number;
    add_service(service: ServiceRtc): void;
    build(): string;
    from_string(token: string): boolean;
    verifySignature(appCertificate: string): boolean;
    getServices(serviceType: number): ServiceRtc[];
  }
}
