import { IsString, Length, Matches } from 'class-validator';

import { IsOptionalNotNull } from '../validation';

export class ShippingAddress {
  @IsString()
  @Length(1, 200)
  line1!: string;

  // Left out when there is none; never null, which the schema does not allow.
  @IsOptionalNotNull()
  @IsString()
  @Length(1, 200)
  line2?: string;

  @IsString()
  @Length(1, 100)
  city!: string;

  @IsString()
  @Length(1, 20)
  postalCode!: string;

  /** ISO 3166-1 alpha-2, upper case. */
  @IsString()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as "DE"' })
  country!: string;

  /**
   * Its OpenAPI schema, for the services that take or return it over HTTP. Written in the form
   * @nestjs/swagger reads from a class (what its compiler plugin would generate), so contracts
   * need no NestJS import. Keep it in step with the rules above.
   */
  static _OPENAPI_METADATA_FACTORY() {
    return {
      line1: { required: true, type: () => String, minLength: 1, maxLength: 200, example: '1 Main St' },
      line2: { required: false, type: () => String, minLength: 1, maxLength: 200 },
      city: { required: true, type: () => String, minLength: 1, maxLength: 100, example: 'Berlin' },
      postalCode: { required: true, type: () => String, minLength: 1, maxLength: 20, example: '10115' },
      country: {
        required: true,
        type: () => String,
        pattern: '^[A-Z]{2}$',
        example: 'DE',
        description: 'ISO 3166-1 alpha-2, upper case.',
      },
    };
  }
}
