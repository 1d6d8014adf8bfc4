import { Injectable, type PipeTransform } from '@nestjs/common';
import { ProblemException } from './problem';
import { SLUG } from './dto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Path ids are lowercase UUIDs: one spelling per stream. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID.test(value)) throw new ProblemException(400, 'INVALID_ID', `"${value}" is not a lowercase UUID`);
    return value;
  }
}

@Injectable()
export class SlugPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!SLUG.test(value)) {
      throw new ProblemException(
        400,
        'INVALID_SLUG',
        `"${value}" is not a lowercase slug (a-z, 0-9, _; 2 to 32 characters)`,
      );
    }
    return value;
  }
}
