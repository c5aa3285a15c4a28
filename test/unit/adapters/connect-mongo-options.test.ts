// The concerns Durably asks the driver for, and that a connection string's own choice wins over them.
import { describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { durablyClientOptions } from '../../../src/adapters/mongodb/connect-mongo.js';

// What a client built as connectMongo builds it ends up with (the driver merges URI and code options).
function effective(uri: string): { w: unknown; journal: unknown; wtimeoutMS: unknown; readConcern: unknown; readPreference: string; retryWrites: boolean; retryReads: boolean } {
  const options = new MongoClient(uri, durablyClientOptions(uri)).options;
  return {
    w: options.writeConcern?.w,
    journal: options.writeConcern?.journal,
    wtimeoutMS: options.writeConcern?.wtimeoutMS,
    readConcern: options.readConcern?.level,
    readPreference: options.readPreference.mode,
    retryWrites: options.retryWrites,
    retryReads: options.retryReads,
  };
}

describe('connectMongo: driver options', () => {
  it('asks for majority, journaled writes, local reads on the primary, and keeps retryable writes and reads on', () => {
    expect(effective('mongodb://127.0.0.1:27017/')).toEqual({
      w: 'majority', journal: true, wtimeoutMS: undefined, readConcern: 'local', readPreference: 'primary', retryWrites: true, retryReads: true,
    });
    expect(effective('mongodb+srv://user:secret@cluster0.example.net/app?retryWrites=true&w=majority')).toMatchObject({ w: 'majority', journal: true, readConcern: 'local' });
  });

  it('lets the connection string choose each concern (its keys are case-insensitive)', () => {
    expect(effective('mongodb://h:1/?w=1')).toMatchObject({ w: 1, journal: true });
    expect(effective('mongodb://h:1/?journal=false&wtimeoutMS=500')).toMatchObject({ w: 'majority', journal: false, wtimeoutMS: 500 });
    expect(effective('mongodb://a:1,b:2/db?replicaSet=rs&readConcernLevel=majority&ReadPreference=secondaryPreferred&retryWrites=false')).toMatchObject({
      w: 'majority', journal: true, readConcern: 'majority', readPreference: 'secondaryPreferred', retryWrites: false, retryReads: true,
    });
  });
});
