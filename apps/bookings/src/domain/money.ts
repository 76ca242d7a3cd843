// Money rules shared by every service live in libs/platform.
export { assertBasisPoints, assertMinorUnits, BPS_SCALE } from '@tutorhub/platform';
