import { BadRequestException } from '@nestjs/common';
import { IsString, ValidateIf } from 'class-validator';

import { RequestValidationPipe } from './request-validation.pipe';

class PatchDto {
  @ValidateIf((_: object, v: unknown) => v !== undefined)
  @IsString()
  name?: string;
}

describe('RequestValidationPipe', () => {
  const pipe = new RequestValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });

  it('refuses a null body where a DTO is expected, which Nest would validate as {}', async () => {
    await expect(pipe.transform(null, { type: 'body', metatype: PatchDto })).rejects.toBeInstanceOf(
      BadRequestException,
    );
  });

  it('still validates an absent body as an empty one, and leaves other arguments alone', async () => {
    await expect(pipe.transform(undefined, { type: 'body', metatype: PatchDto })).resolves.toBeInstanceOf(PatchDto);
    await expect(pipe.transform(null, { type: 'custom', metatype: PatchDto })).resolves.toBeNull();
    await expect(pipe.transform(null, { type: 'body', metatype: Object })).resolves.toBeNull();
  });
});
