import { parseForm } from './form-body';

describe('parseForm', () => {
  it('decodes a form as the WHATWG URL standard does, a repeated name into an array', () => {
    expect({ ...parseForm('grant_type=refresh_token&scope=a+b&x=%C3%A9&r=1&r=2&r=3') }).toEqual({
      grant_type: 'refresh_token',
      scope: 'a b',
      x: 'é',
      r: ['1', '2', '3'],
    });
  });

  it('gives an object without a prototype, and refuses a __proto__ name', () => {
    expect(Object.getPrototypeOf(parseForm('a=1'))).toBeNull();
    expect(parseForm('__proto__=x')).toBeUndefined();
  });
});
