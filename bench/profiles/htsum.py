import sys,re
lines=open(sys.argv[1]).read().split('\n')
start=lines.index('PEAK MEMORY CONSUMERS'); end=lines.index('MOST TEMPORARY ALLOCATIONS')
i=start
while i<end:
    l=lines[i]
    m=re.match(r'^(\s*)([0-9.]+[KMG]?B?) consumed over (\d+) calls from:',l)
    if m:
        frames=[]
        j=i+1
        while j<end and not re.match(r'^\s*[0-9.]+[KMG]?B? (consumed|peak)',lines[j]):
            s=lines[j].strip()
            if s.startswith('tidekv::') or s.startswith('rss_curve') or s.startswith('bytes::') or s.startswith('lz4') or s.startswith('zstd') :
                frames.append(re.sub(r'::h[0-9a-f]{16}$','',s))
            j+=1
        print(m.group(2), m.group(3), ' <- '.join(frames[:4]))
        i=j
    else:
        i+=1
