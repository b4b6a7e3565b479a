#!/usr/bin/env python3
# summary: prints the tshark-derived expectation tables of test_smb.c and test_krb.c
#
# usage: SHARED=../shared/data python3 tests/proto/expect_smb_krb.py smb|krb
#
# Every value comes from `tshark -r $SHARED/pcap/<capture> -T json -Y <filter>`
# (Wireshark 4.0.17) with the filters below; nothing comes from vigil. The
# tables are pasted into the tests between the "generated" markers.
#
# SMB (filter 'smb || smb2'), per capture, in the order of the responses:
#   dialects   smb2.dialect of NEGOTIATE responses (0x02ff, the wildcard answer to
#              an SMB1 multi-protocol negotiate, skipped); SMB1: the smb.dialect.name
#              of the request at the response's smb.dialect.index
#   sessions   smb2.nt_status / smb.nt_status of SESSION_SETUP responses, with the
#              ntlmssp.auth.username, .domain, .hostname (SMB1 without NTLMSSP:
#              smb.account, smb.primary_domain) of the request before a final
#              response ("NULL" written as "")
#   trees      smb2.tree / smb.path of TREE_CONNECT requests, with smb2.share_type /
#              smb.service and nt_status of the response with the same msg_id/mid
#   files      smb2.filename / smb.file of CREATE requests with the nt_status of the
#              final response with the same msg_id/mid (STATUS_PENDING interim skipped)
#   deletes    nt_status of SET_INFO responses to FileDisposition requests with
#              smb2.disposition.delete_on_close == 1
# Kerberos (filter 'kerberos && (udp.port==88 || tcp.port==88)'), one row per
# request/response pair in the same tcp.stream/udp.stream:
#   type AS/TGS; client = req-body CNameString joined by '/' + '@' + req-body realm
#   (AS), else the reply's CNameString@crealm; service = req-body SNameString joined
#   by '/'; realm = req-body realm; error = kerberos.error_code or -1;
#   cipher = the reply ticket's enc-part kerberos.etype or -1.
import json, os, subprocess, sys

SHARED = os.environ.get('SHARED', os.path.join(os.path.dirname(__file__), '../../../shared/data'))
SMB_CAPTURES = ['protocol/zeek-smb_smb1.pcap', 'protocol/zeek-smb_smb2.pcap',
                'protocol/zeek-smb_smb311.pcap', 'protocol/zeek-krb_smb2_krb.pcap',
                'protocol/ndpi-smbv1.pcap', 'protocol/ndpi-smb_deletefile.pcap',
                'malware/elcab-crackmapexec-smb.pcap',
                'benign/elcab-normal-smb-share-traversal.pcap', 'benign/elcab-ad-host-signin.pcap']
KRB_CAPTURES = ['malware/elcab-failed-auth-choppydog.pcap', 'protocol/ndpi-kerberos-login.pcap',
                'protocol/zeek-krb_smb2_krb.pcap', 'benign/elcab-normal-smb-share-traversal.pcap',
                'benign/elcab-ad-host-signin.pcap']


def tshark_json(path, flt):
    out = subprocess.run(['tshark', '-r', os.path.join(SHARED, 'pcap', path), '-T', 'json', '-Y', flt],
                         capture_output=True, check=True).stdout
    return json.loads(out, object_pairs_hook=lambda p: p)  # keep repeated keys


def allv(node, key):
    res = []
    if isinstance(node, list):
        for x in node:
            if isinstance(x, tuple) and len(x) == 2:
                if x[0] == key:
                    res.append(x[1])
                res += allv(x[1], key)
            else:
                res += allv(x, key)
    return res


def first(node, key, d=None):
    v = allv(node, key)
    return v[0] if v else d


def child(node, key):
    for k, v in node or []:
        if k == key:
            return v
    return None


def nn(x):
    return '' if x in (None, 'NULL') else x


def smb(path):
    neg, ss, trees, files, dels = [], [], [], [], []
    auth, treq, creq, dreq, dialects = {}, {}, {}, {}, {}
    for f in tshark_json(path, 'smb || smb2'):
        layers = first(f, 'layers')
        stream = first(layers, 'tcp.stream')
        for k, el in layers:
            if k == 'smb2':
                c = first(el, 'smb2.cmd')
                if c is None:  # transform header: encrypted
                    continue
                cmd, rsp = int(c), first(el, 'smb2.flags.response') == '1'
                st, key = first(el, 'smb2.nt_status'), (stream, first(el, 'smb2.msg_id'))
                if cmd == 0 and rsp and first(el, 'smb2.dialect') != '0x02ff':
                    neg.append(first(el, 'smb2.dialect'))
                elif cmd == 1 and not rsp and first(el, 'ntlmssp.auth.username') is not None:
                    auth[stream] = tuple(nn(first(el, 'ntlmssp.auth.' + x)) for x in ('username', 'domain', 'hostname'))
                elif cmd == 1 and rsp:
                    ss.append((st,) + (auth.pop(stream, ('', '', '')) if st != '0xc0000016' else ('', '', '')))
                elif cmd == 3 and not rsp:
                    treq[key] = first(el, 'smb2.tree')
                elif cmd == 3 and rsp:
                    trees.append((treq.pop(key, ''), {'0x01': 'DISK', '0x02': 'PIPE', '0x03': 'PRINT'}.get(first(el, 'smb2.share_type'), ''), st))
                elif cmd == 5 and not rsp:
                    creq[key] = first(el, 'smb2.filename', '')
                elif cmd == 5 and rsp and st != '0x00000103':
                    files.append((creq.pop(key, ''), st))
                elif cmd == 17 and not rsp and first(el, 'smb2.disposition.delete_on_close') == '1':
                    dreq[key] = 1
                elif cmd == 17 and rsp and dreq.pop(key, None):
                    dels.append(st)
            elif k == 'smb':
                cmd, rsp = first(el, 'smb.cmd'), first(el, 'smb.flags.response') == '1'
                st, key = first(el, 'smb.nt_status'), (stream, first(el, 'smb.mid'))
                if cmd == '0x72' and not rsp:
                    dialects[stream] = allv(el, 'smb.dialect.name')
                elif cmd == '0x72' and rsp and first(el, 'smb.dialect.index') is not None:
                    neg.append(dialects[stream][int(first(el, 'smb.dialect.index'))])
                elif cmd == '0x73' and not rsp:
                    u = first(el, 'ntlmssp.auth.username', first(el, 'smb.account'))
                    if u is not None:
                        auth[stream] = (nn(u), nn(first(el, 'ntlmssp.auth.domain', first(el, 'smb.primary_domain'))),
                                        nn(first(el, 'ntlmssp.auth.hostname')))
                elif cmd == '0x73' and rsp:
                    ss.append((st,) + (auth.pop(stream, ('', '', '')) if st != '0xc0000016' else ('', '', '')))
                elif cmd == '0x75' and not rsp:
                    treq[key] = first(el, 'smb.path')
                elif cmd == '0x75' and rsp:
                    trees.append((treq.pop(key, ''), {'IPC': 'PIPE', 'A:': 'DISK', 'LPT1:': 'PRINT'}.get(first(el, 'smb.service'), ''), st))
                elif cmd == '0xa2' and not rsp:
                    creq[key] = first(el, 'smb.file', '')
                elif cmd == '0xa2' and rsp:
                    files.append((creq.pop(key, ''), st))
    return [('0x' + d[2:] if d.startswith('0x') else d) for d in neg], ss, trees, files, dels


def pname(el, which):
    e = child(el, 'kerberos.' + which + '_element')
    tag = 'kerberos.CNameString' if which == 'cname' else 'kerberos.SNameString'
    return '/'.join(allv(child(e, 'kerberos.' + which + '_string_tree'), tag)) if e else ''


def krb(path):
    pend, out = {}, []
    for f in tshark_json(path, 'kerberos && (udp.port==88 || tcp.port==88)'):
        layers = first(f, 'layers')
        s = first(layers, 'tcp.stream')
        stream = ('t', s) if s is not None else ('u', first(layers, 'udp.stream'))
        for k, kl in layers:
            if k != 'kerberos':
                continue
            for mk, m in kl:
                if mk in ('kerberos.as_req_element', 'kerberos.tgs_req_element'):
                    body = child(m, 'kerberos.req_body_element')
                    realm, cn = child(body, 'kerberos.realm'), pname(body, 'cname')
                    pend.setdefault(stream, []).append(dict(
                        type='AS' if mk.startswith('kerberos.as') else 'TGS', realm=realm,
                        service=pname(body, 'sname'), client=cn + '@' + realm if cn else '',
                        error=-1, cipher=-1))
                elif mk in ('kerberos.as_rep_element', 'kerberos.tgs_rep_element', 'kerberos.krb_error_element'):
                    q = pend.get(stream, [])
                    e = q.pop(0) if q else dict(type=None, realm='', service='', client='', error=-1, cipher=-1)
                    cn, cr = pname(m, 'cname'), child(m, 'kerberos.crealm') or ''
                    if not e['client'] and cn:
                        e['client'] = cn + ('@' + cr if cr else '')
                    if mk == 'kerberos.krb_error_element':
                        e['error'] = int(child(m, 'kerberos.error_code'))
                        e['service'] = e['service'] or pname(m, 'sname')
                        e['realm'] = e['realm'] or child(m, 'kerberos.realm')
                    else:
                        tk = child(m, 'kerberos.ticket_element')
                        e['cipher'] = int(first(child(tk, 'kerberos.enc_part_element'), 'kerberos.etype'))
                    out.append(e)
    for q in pend.values():
        out += q
    return out


def cstr(s):
    return 'NULL' if s is None else '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def ident(path):
    return os.path.splitext(os.path.basename(path))[0].replace('-', '_').replace('.', '_')


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else 'smb'
    print('/* ---- generated by tests/proto/expect_smb_krb.py %s: do not edit ---- */' % what)
    if what == 'smb':
        for p in SMB_CAPTURES:
            neg, ss, trees, files, dels = smb(p)
            n = ident(p)
            print('/* %s */' % p)
            print('static const char *const %s_dialects[] = {%s};' % (n, ', '.join([cstr(d) for d in neg] + ['NULL'])))
            print('static const struct exp_session %s_sessions[] = {%s};' % (n, ', '.join(
                ['{%s, %s, %s, %s}' % tuple(map(cstr, x)) for x in ss] + ['{NULL, NULL, NULL, NULL}'])))
            print('static const struct exp_tree %s_trees[] = {%s};' % (n, ', '.join(
                ['{%s, %s, %s}' % tuple(map(cstr, x)) for x in trees] + ['{NULL, NULL, NULL}'])))
            print('static const struct exp_file %s_files[] = {%s};' % (n, ', '.join(
                ['{%s, %s}' % tuple(map(cstr, x)) for x in files] + ['{NULL, NULL}'])))
            print('static const char *const %s_deletes[] = {%s};' % (n, ', '.join([cstr(d) for d in dels] + ['NULL'])))
    else:
        for p in KRB_CAPTURES:
            n = ident(p)
            print('/* %s */' % p)
            rows = ['{%s, %s, %s, %s, %d, %d}' % (cstr(e['type']), cstr(e['client']), cstr(e['service']),
                                                cstr(e['realm']), e['error'], e['cipher']) for e in krb(p)]
            print('static const struct exp_krb %s_krb[] = {%s};' % (n, ',\n    '.join(rows + ['{"END", NULL, NULL, NULL, 0, 0}'])))
    print('/* ---- end of generated tables ---- */')


if __name__ == '__main__':
    main()
