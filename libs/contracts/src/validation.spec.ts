import { plainToInstance } from 'class-transformer';
import { IsString, validateSync } from 'class-validator';

import { IsOptionalNotNull } from './validation';

class Sample {
  @IsOptionalNotNull()
  @IsString()
  name?: string;
}

const errors = (plain: object) =>
  validateSync(plainToInstance(Sample, plain)).flatMap((e) => Object.keys(e.constraints ?? {}));

describe('IsOptionalNotNull', () => {
  it('lets a property be left out', () => {
    expect(errors({})).toEqual([]);
    expect(errors({ name: undefined })).toEqual([]);
  });

  it('applies the other rules to a present value', () => {
    expect(errors({ name: 'Ada' })).toEqual([]);
    expect(errors({ name: 1 })).toEqual(['isString']);
  });

  it('refuses null, which @IsOptional() would let through', () => {
    expect(errors({ name: null })).toEqual(['isString']);
  });
});
