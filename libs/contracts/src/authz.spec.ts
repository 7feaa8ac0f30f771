import { Role, ROLE_SCOPES, ROLES, Scope, SCOPES, scopesForRoles } from './authz';

describe('role and scope names', () => {
  it('are the wire names tokens carry', () => {
    expect(ROLES).toEqual(['user', 'admin']);
    expect(SCOPES).toEqual(['orders:read', 'orders:write', 'profile:read', 'profile:write']);
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

  describe('scopesForRoles', () => {
    it('grants a user read and write on their own orders and profile', () => {
      expect(scopesForRoles([Role.User])).toEqual(['orders:read', 'orders:write', 'profile:read', 'profile:write']);
    });

    it('grants admin the same kinds of access as user, its extra rights being the role itself', () => {
      expect(scopesForRoles([Role.User, Role.Admin])).toEqual(scopesForRoles([Role.User]));
      expect(scopesForRoles([Role.Admin])).toEqual(scopesForRoles([Role.User]));
    });

    it('grants nothing for no role or an unknown one, including prototype names', () => {
      expect(scopesForRoles([])).toEqual([]);
      expect(scopesForRoles(['root', 'constructor', '__proto__'])).toEqual([]);
    });

    it('maps every role and only to known scopes', () => {
      expect(Object.keys(ROLE_SCOPES).sort()).toEqual([...ROLES].sort());
      for (const scopes of Object.values(ROLE_SCOPES)) {
        expect(scopes.every((scope) => SCOPES.includes(scope))).toBe(true);
      }
    });
  });
});
