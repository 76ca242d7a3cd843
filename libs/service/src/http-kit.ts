// The part of the service kit an app without a database or a broker needs: JSON logs and the
// /metrics endpoint. The Chapa sandbox imports `@tutorhub/service/http-kit` rather than
// `@tutorhub/service`, whose index also loads TypeORM, pg, amqplib and the messaging backbone
// (≈ 400 modules, about 10 MB of idle memory, for nothing it uses; issue 15).
export * from './logging';
export * from './metrics.controller';
