import { Role, ROLES, Scope, SCOPES } from './authz';

describe('role and scope names', () => {
  it('are the wire names tokens carry', () => {
    expect(ROLES).toEqual(['user', 'admin']);
    expect(SCOPES).toEqual(['orders:read', 'profile:read']);
  });

  it('list every constant once', () => {
    expect(new Set(ROLES)).toEqual(new Set(Object.values(Role)));
    expect(new Set(SCOPES)).toEqual(new Set(Object.values(Scope)));
    expect(new Set(ROLES).size).toBe(ROLES.length);
    expect(new Set(SCOPES).size).toBe(SCOPES.length);
  });

  it('name scopes <service>:<permission>, the form auth grants and derives the audience from', () => {
    for (const scope of SCOPES) {
      expect(scope).toMatch(/^[a-z0-9_-]+:[a-z0-9_.-]+$/);
    }
  });
});
