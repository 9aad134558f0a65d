import { expect } from 'chai';
import { chooseDeflateOffer, deflateOffers, formatOffer } from '../../lib/transport/deflate-offer';

describe('permessage-deflate offers (RFC 7692 §7), pure functions', () => {
  it('reads each offer of a header in order, quoted values too, and leaves out what a server must decline', () => {
    expect(deflateOffers('permessage-deflate; client_max_window_bits="10"; server_no_context_takeover, x-foo; a=1, permessage-deflate')).to.deep.equal([
      { serverNoContextTakeover: true, clientNoContextTakeover: false, clientMaxWindowBits: 10 },
      { serverNoContextTakeover: false, clientNoContextTakeover: false },
    ]);
    for (const declined of ['permessage-deflate; foo', 'permessage-deflate; client_no_context_takeover; client_no_context_takeover', 'permessage-deflate; server_max_window_bits', 'permessage-deflate; server_max_window_bits=16', 'permessage-deflate; client_max_window_bits=7', 'permessage-deflate; server_no_context_takeover=1', 'permessage-deflate; =', 'Permessage-Deflate']) {
      expect(deflateOffers(declined), declined).to.deep.equal([]);
    }
    // A comma inside a quoted string does not end the offer.
    expect(deflateOffers('x-foo; a="1,2", permessage-deflate; client_max_window_bits')).to.have.length(1);
  });

  it('hands each engine the first offer it grants as asked, written plainly, or none', () => {
    const header = 'permessage-deflate; server_no_context_takeover; server_max_window_bits=8, permessage-deflate; server_max_window_bits=10, permessage-deflate; client_max_window_bits';
    expect(chooseDeflateOffer('ws', 'dedicated', header)).to.equal('permessage-deflate; server_no_context_takeover; server_max_window_bits=8');
    expect(chooseDeflateOffer('uws', 'dedicated', header)).to.equal('permessage-deflate; server_max_window_bits=10');
    expect(chooseDeflateOffer('uws', 'shared', header)).to.equal('permessage-deflate; client_max_window_bits');
    expect(chooseDeflateOffer('ws', 'none', header)).to.equal('');
    expect(chooseDeflateOffer('uws', 'shared', 'permessage-deflate; server_max_window_bits=15')).to.equal('');
    expect(chooseDeflateOffer('ws', 'shared', 'permessage-deflate; foo')).to.equal('');
    expect(formatOffer({ serverNoContextTakeover: false, clientNoContextTakeover: true, serverMaxWindowBits: 12, clientMaxWindowBits: 9 })).to.equal('permessage-deflate; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=9');
  });
});
