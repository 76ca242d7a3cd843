// The shared domain error (libs/platform): stable `code`, HTTP-ish `status` hint.
export { DomainError } from '@tutorhub/platform';
