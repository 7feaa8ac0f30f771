export { Role, ROLES } from '@tessera/contracts';
