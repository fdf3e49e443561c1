#!/usr/bin/env python3
"""make_seeds.py - write the seed corpora and the XML dictionary of the
fuzz targets (tests/fuzz/seeds/<target>/, tests/fuzz/xml.dict).

Run from the repository root: python3 tests/fuzz/make_seeds.py
Every seed is made here (X12 written out below, bundles built with
Python's zipfile/tarfile/gzip); the loader seeds are the shipped
profile, guide and map files with a selector byte in front, plus small
ones of our own.  Rerunning rewrites the same files.
"""
import gzip, io, os, re, tarfile, zipfile

OUT = "tests/fuzz/seeds"

def isa(sender, ctl, ver="00401"):
    return ("ISA*00*          *00*          *ZZ*%-15s*ZZ*%-15s*260105*0930*U*%s*%09d*0*P*>~\n"
            % (sender, "ACMETEST", ver, ctl))

def x12(sender, ctl, fid, gsver, sets):
    out = [isa(sender, ctl, "00501" if gsver.startswith("005") else "00401")]
    out.append("GS*%s*%s*ACMETEST*20260105*0930*%d*X*%s~\n" % (fid, sender, ctl, gsver))
    for n, body in enumerate(sets, 1):
        segs = ["ST*%s*%04d~" % (body[0], n)] + body[1] + []
        segs.append("SE*%d*%04d~" % (len(segs) + 1, n))
        out.append("\n".join(segs) + "\n")
    out.append("GE*%d*%d~\nIEA*1*%09d~\n" % (len(sets), ctl, ctl))
    return "".join(out).encode()

PO = ("850", [
    "BEG*00*SA*PO-FZ-17**20260102~", "CUR*BY*USD~", "REF*DP*007~",
    "DTM*002*20260110~", "TD5**2*XYZQ*M*XYZ TRUCKING~",
    "N1*ST*SHOPCO STORE 0007*92*0007~", "N3*9 ELM AVE~", "N4*BOISE*ID*83702*US~",
    "N1*BT*SHOPCO INC*92*HQ~",
    "PO1*1*24*EA*3.10**UP*036000291452*VN*SKU-SOCK-W~", "PID*F****WOOL SOCKS~",
    "PO1*2*1*CA*44**UP*012345678905~",
    "PO1*3*6*PK*9.99**VN*SKU-CAP~",
    "CTT*3~"])
PO_DZ = ("850", [s.replace("*CA*", "*DZ*") for s in PO[1]])
ADVICE = ("945", [
    "W06*N*ORD-FZ-9*20260104*SHP-FZ-9**PO-FZ-17~",
    "N1*WH*FUZZ WAREHOUSE*ZZ*FZW1~", "N4*RENO*NV*89502*US~",
    "N1*ST*SHOPCO STORE 0007*92*0007~",
    "N9*BM*BOL-FZ-1~", "G62*11*20260104*8*1015~",
    "W27*M*XYZQ*XYZ TRUCKING*PP~",
    "LX*1~", "MAN*GM*00006141410000000029~",
    "W12*CC*24*24**EA*036000291452*VN*SKU-SOCK-W*LOT7~",
    "LX*2~", "W12*CC*6*6**PK**VN*SKU-CAP~", "G69*CAP~",
    "W03*30*12.5*LB~"])
ORDER = ("940", [
    "W05*N*ORD-FZ-9*PO-FZ-17~", "N1*ST*SHOPCO STORE 0007*92*0007~",
    "N4*BOISE*ID*83702*US~", "G62*02*20260110~", "W66*PP*M***XYZQ~",
    "LX*1~", "W01*24*EA*036000291452*VN*SKU-SOCK-W~",
    "LX*2~", "W01*6*PK**VN*SKU-CAP~", "W76*30~"])
ASN = ("856", [
    "BSN*00*SHP-FZ-3*20260104*1015*0001~", "DTM*011*20260104~",
    "HL*1**S~", "TD1*CTN25*2~", "TD5**2*XYZQ~", "REF*BM*BOL-FZ-3~",
    "N1*ST*SHOPCO STORE 0007*92*0007~",
    "HL*2*1*O~", "PRF*PO-FZ-17~",
    "HL*3*2*P~", "MAN*GM*00006141410000000036~",
    "HL*4*3*I~", "LIN**UP*036000291452*VN*SKU-SOCK-W~", "SN1**24*EA~",
    "HL*5*3*I~", "LIN**VN*SKU-CAP~", "SN1**6*PK~",
    "CTT*5~"])

def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def zbytes(entries, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for name, data in entries:
            z.writestr(name, data)
    return b.getvalue()

def tbytes(entries, gz=False):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w:gz" if gz else "w", format=tarfile.PAX_FORMAT) as t:
        for name, data in entries:
            if data is None:
                ti = tarfile.TarInfo(name); ti.type = tarfile.DIRTYPE
                t.addfile(ti)
            else:
                ti = tarfile.TarInfo(name); ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    return b.getvalue()

def gz(data):
    return gzip.compress(data, mtime=0)

po = x12("SHOPCOTEST", 901, "PO", "004010", [PO])
po5 = x12("SHOPCOTEST", 902, "PO", "005010", [PO])
po2 = x12("SHOPCOTEST", 903, "PO", "004010", [PO, PO_DZ])
adv = x12("NORTHWHTEST", 904, "SW", "004010", [ADVICE])
order = x12("ACMETEST", 905, "OW", "004010", [ORDER])
asn = x12("SHOPCOTEST", 906, "SH", "004010", [ASN])
docs = {"850.x12": po, "850-5010.x12": po5, "850-two.x12": po2,
        "945.x12": adv, "940.x12": order, "856.x12": asn}

for name, data in docs.items():
    put("mapper", name, data)
    put("file", name, data)
put("file", "850-then-junk.x12", po + b"JUNK*1~\n" + po)
put("file", "850.zip", zbytes([("a/850.x12", po), ("850-5010.x12", po5)]))
put("file", "850.tgz", tbytes([("850.x12", po)], gz=True))
put("file", "850.gz", gz(po))
# the 3PL partner's CSV and XML documents (fuzz_file sends what the
# registry takes for CSV or XML there)
for src, name in (("tests/fixtures/xml/inventory.csv", "stock.csv"),
                  ("tests/fixtures/xml/ship_confirm.xml", "ship.xml")):
    with open(src, "rb") as f:
        put("file", name, f.read())

small = [("a.x12", po), ("b.x12", b"")]
put("unpack", "deflate.zip", zbytes(small))
put("unpack", "stored.zip", zbytes(small, zipfile.ZIP_STORED))
put("unpack", "dirs.tar", tbytes([("d/", None), ("d/a.x12", po)]))
put("unpack", "two.tgz", tbytes(small, gz=True))
put("unpack", "one.gz", gz(po))
put("unpack", "members.gz", gz(po[:100]) + gz(po[100:]))
put("unpack", "nested.zip", zbytes([("in.tgz", tbytes(small, gz=True)), ("c.x12", po5)]))
put("unpack", "deep.zip", zbytes([("l2.zip", zbytes([("l1.zip", zbytes(small))]))]))
put("unpack", "gz-in-gz.gz", gz(gz(po)))

def shipped(sel, path, name):
    with open(path, "rb") as f:
        put("loaders", name, bytes([sel]) + f.read())

shipped(0, "partners/bigretail.xml", "0-bigretail.xml")
shipped(0, "partners/northlog.xml", "0-northlog.xml")
shipped(0, "tests/fixtures/map/home/partners/shopco.xml", "0-shopco.xml")
shipped(1, "edi/x12/004010/850.xml", "1-850.xml")
shipped(1, "edi/x12/004010/945.xml", "1-945.xml")
shipped(2, "edi/maps/850.xml", "2-850.xml")
shipped(2, "edi/maps/856.xml", "2-856.xml")
put("loaders", "0-minimal.xml", b"\x00" + b'''<?xml version="1.0"?>
<partner id="fz" name="Fuzz" kind="retailer">
  <identity><partner-isa qualifier="ZZ" id="FZ"/><our-isa qualifier="ZZ" id="US"/><gs partner="FZ" ours="US"/></identity>
  <transport type="local"><inbox path="in"/><outbox path="out"/></transport>
  <documents><document direction="in" set="850" versions="004010"/></documents>
  <limits max-file-bytes="1000" max-bundle-depth="2"/>
</partner>
''')
put("loaders", "1-entity.xml", b"\x01" + b'''<?xml version="1.0"?>
<!DOCTYPE guide [<!ENTITY e "xxxxxxxx">]>
<guide standard="x12" release="004010" set="850" name="&e;&e;"/>
''')

# The XML dictionary: every element and attribute name in our schemas.
names = set()
for xsd in sorted(os.listdir("schemas")):
    if xsd.endswith(".xsd"):
        with open(os.path.join("schemas", xsd), encoding="utf-8") as f:
            names.update(re.findall(r'name="([A-Za-z][A-Za-z0-9_-]*)"', f.read()))
with open("tests/fuzz/xml.dict", "w") as f:
    f.write("# XML tokens for fuzz_loaders: made by tests/fuzz/make_seeds.py\n")
    for tok in ['<?xml version=\\"1.0\\"?>', "<!DOCTYPE", "<!ENTITY", "&amp;",
                "&#65;", "<![CDATA[", "]]>", "<!--", "-->", "/>", "=\\\"", "xmlns"]:
        f.write('"%s"\n' % tok)
    for n in sorted(names):
        f.write('"%s"\n"<%s "\n' % (n, n))
