/**
 * The bundled tokenizer's word list: everyday English music-prompt vocabulary, roughly most general
 * first (the order sets the Unigram scores). Lower case: the tokenizer's normalizer lower-cases.
 * Words may contain '-', '&', digits or '/': whitespace splits pre-tokens, punctuation does not.
 */
const GROUPS: string[] = [
  // Function words and very common English.
  `a an the and or with without in on of for to from by at into onto over under like as is are be being been was were
   that this these those some any very more less most least but not no so just up down out off through about around
   after before during while then than it its his her their our my your we you i he she they them me us all each every
   both few many much other same such only also too again still even ever never always often sometimes here there when
   where what who which how why if because until against between behind across along among within towards toward via
   plus per vs etc one's it's that's there's let's don't can't won't i'm feat ft has have had do does did can could will
   would should may might must get gets getting got go goes going gone come comes coming take takes give gives keep keeps
   put puts set sets new old good great best better big small little long short full half whole first last next back
   end start middle top bottom left right side way lot lots kind sort bit`,
  // Common verbs and -ing forms seen in prompts.
  `play plays playing played sound sounds sounding feel feels feeling build builds building built drop drops dropping
   fade fades fading faded rise rises rising fall falls falling make makes making made use uses using featuring featured
   mixed mixing layered layering driven backed sung singing sing sings rap rapping hum humming whistling whistle clapping
   dance dancing walk walking run running drive driving study studying relax relaxing sleep sleeping work working chill
   chilling slowly quickly gradually suddenly softly gently repeated repeating repeats evolving evolve evolves swelling
   swell swells growing grows flowing flows floating bouncing pumping pulsing throbbing shimmering sparkling soaring
   crashing booming echoing ringing strummed strumming plucked plucking picked picking bowed tapping tapped hitting
   struck sustained staccato legato muted open closed accompanied accompanying supported joined joins enters enter
   ending begins beginning continues follows following leading carrying sampled chopped pitched stretched reversed
   looped looping tuned detuned`,
  // Instruments and sound sources.
  `piano pianos guitar guitars bass basses drums drum kick kicks snare snares hi-hat hi-hats hihat hat hats cymbal cymbals
   ride crash tom toms percussion percussive violin violins viola violas cello cellos double contrabass harp harps flute
   flutes piccolo clarinet clarinets oboe bassoon saxophone saxophones sax trumpet trumpets trombone trombones tuba horn
   horns brass woodwind woodwinds winds organ organs synth synths synthesizer synthesizers pad pads lead leads arp arps
   arpeggio arpeggios arpeggiated strings string orchestra orchestras orchestral choir choirs choral vocals vocal voice
   voices singer singers ukulele banjo mandolin accordion harmonica sitar tabla koto shamisen erhu guzheng pipa oud
   bouzouki balalaika kalimba marimba xylophone vibraphone vibes glockenspiel celesta bells bell chimes gong gongs timpani
   congas conga bongos bongo djembe cajon shaker shakers tambourine cowbell claps clap handclaps snaps 808 808s 909 sub
   bassline basslines keys keyboard keyboards rhodes wurlitzer clavinet harpsichord electric acoustic upright grand steel
   pedal slide nylon twelve-string fiddle bagpipes didgeridoo steelpan ocarina recorder theremin mellotron moog sampler
   samplers turntable turntables scratch scratching vinyl crackle tape cassette radio beatbox drum-machine sequencer
   rhythm-section horn-section guitarist pianist drummer bassist violinist cellist vocalist rapper producer dj
   mc conductor`,
  // Genres and styles.
  `rock pop jazz blues classical electronic electronica edm house techno trance dubstep dnb drum-and-bass jungle garage
   grime hip hip-hop hiphop rap trap drill lofi lo-fi chillhop chillwave ambient downtempo chillout reggae reggaeton dub
   ska punk metal heavy death black thrash doom hardcore metalcore emo indie alternative alt grunge shoegaze folk country
   bluegrass americana soul funk disco r&b rnb gospel latin salsa bossa nova samba tango flamenco cumbia bachata merengue
   afrobeat afrobeats amapiano kpop k-pop jpop j-pop city synthwave synthpop synth-pop vaporwave retrowave outrun
   chiptune 8-bit 16-bit idm glitch breakbeat breakbeats breaks big beat beats electro industrial wave post progressive
   prog psychedelic psych krautrock space cinematic soundtrack score scores film movie epic trailer video game games
   gaming anime baroque romantic minimalist minimal experimental noise drone celtic irish scottish medieval renaissance
   arabic indian bollywood african caribbean hawaiian japanese chinese korean brazilian cuban mexican spanish french
   italian greek turkish balkan klezmer polka waltz march lullaby hymn anthem ballad ballads serenade nocturne etude
   sonata symphony symphonic concerto fugue opera operatic musical broadway cabaret swing bebop fusion smooth acid deep
   tech tropical future liquid neurofunk hardstyle gabber eurodance italo nu neo trip trip-hop boom bap boom-bap phonk
   hyperpop bedroom dream surf rockabilly motown doo-wop lounge elevator muzak new-age world ethnic tribal traditional
   contemporary modern mainstream underground commercial vintage retro oldies standard standards soft-rock hard
   grindcore stoner sludge post-rock math emo-rap cloud uk us american british european western eastern oriental asian
   nordic viking gregorian chant chants marching military polyphonic a-cappella acappella barbershop singer-songwriter
   rave club dance dancehall moombahton zouk kizomba highlife soca calypso mariachi ranchera norteno corrido banda forro
   fado chanson schlager enka`,
  // Moods and descriptive adjectives.
  `happy sad dark bright calm peaceful energetic upbeat uplifting melancholic melancholy emotional dreamy ethereal
   atmospheric mysterious eerie spooky scary creepy tense suspenseful dramatic heroic triumphant powerful aggressive angry
   intense gentle soft warm cold lush sparse groovy funky jazzy bluesy soulful catchy playful quirky whimsical cute
   romantic sensual sexy nostalgic hopeful joyful cheerful relaxed chill laid-back laidback mellow hypnotic pulsing bouncy
   punchy distorted clean crisp fuzzy gritty raw mechanical organic natural beautiful lovely pretty sweet bittersweet
   tender delicate fragile haunting hauntingly lonely longing yearning sorrowful mournful somber sombre grim ominous
   menacing sinister evil majestic grandiose grandiose noble proud confident bold fierce wild crazy chaotic frantic
   frenetic urgent anxious nervous restless serene tranquil soothing meditative contemplative introspective reflective
   thoughtful pensive wistful sentimental passionate fiery sultry smoky moody brooding gloomy bleak cold icy frozen
   sunny summery breezy airy light lighthearted carefree fun funny silly goofy comic comedic festive celebratory
   party epic massive huge enormous tiny subtle understated elegant sophisticated classy luxurious glamorous cool hip
   fresh sleek polished slick shiny glossy sparkly glittering magical mystical spiritual sacred holy divine heavenly
   angelic cosmic spacey floaty trippy psychedelic weird strange odd unusual quirky dissonant atonal harmonic melodic
   rhythmic tonal minimalistic repetitive simple complex intricate layered dense thick thin wide narrow rich full
   hollow empty deep low high loud quiet silent noisy harsh rough smooth silky velvety round sharp dull muddy tight
   loose sloppy steady stable unstable shaky wobbly wobbling warbling glitchy choppy stuttering stuttered driving
   motivational inspiring inspirational cinematic emotive moving touching heartfelt heartwarming heartbreaking tragic
   uneasy unsettling dystopian apocalyptic futuristic sci-fi cyberpunk steampunk fantasy mythical magical noir gritty
   urban rural pastoral rustic earthy folksy homely cozy cosy intimate personal epic anthemic`,
  // Tempo, rhythm, form and theory.
  `slow slower slowest fast faster fastest medium mid tempo tempos bpm uptempo moderate quick steady allegro andante
   adagio largo presto moderato accelerando ritardando rubato half-time double-time halftime four-on-the-floor
   sharp flat major minor key keys mode modes dorian phrygian lydian mixolydian aeolian locrian ionian pentatonic
   chromatic diatonic blues-scale scale scales chord chords progression progressions harmony harmonies melody melodies
   melodic riff riffs hook hooks groove grooves rhythm rhythms beat loop loops bar bars measure measures time signature
   4/4 3/4 6/8 7/8 5/4 12/8 syncopated syncopation shuffle shuffled triplet triplets polyrhythm polyrhythmic solo solos
   intro outro verse verses chorus choruses bridge breakdown buildup build-up fill fills crescendo decrescendo
   diminuendo climax section sections part parts phrase phrases motif motifs theme themes variation variations
   counterpoint call response call-and-response unison octave octaves fifth fifths third thirds interval intervals
   note notes tone tones pitch pitches bassnote root drone ostinato glissando tremolo vibrato trill trills pizzicato
   arco sforzando fortissimo pianissimo forte dynamics dynamic accent accents offbeat off-beat downbeat upbeat backbeat
   straight swung groovy bounce lilt pulse tempo-change modulation key-change cadence resolution tension release`,
  // Production and sound.
  `reverb reverbs reverberant delay delays echo echoes chorus flanger phaser distortion overdrive fuzz compression
   compressed sidechain sidechained filter filtered lowpass low-pass highpass high-pass sweep sweeps sweeping stereo
   mono wide width panning panned mix mixed master mastered mastering production produced studio live recording
   recorded quality hi-fi fidelity volume level levels gain saturation saturated bitcrushed bitcrusher autotune
   auto-tune vocoder talkbox sample samples texture textures layer layers atmosphere ambience ambiance soundscape
   soundscapes foley field white pink riser risers impact impacts whoosh swoosh hit hits stab stabs pluck plucks
   chopped-up resampled granular modular analog analogue digital sine square saw sawtooth triangle oscillator lfo
   envelope attack decay sustain space spacious roomy dry wet reverse reversed pitch-shifted slowed reverb-heavy
   bass-heavy sub-bass boomy booming thumping thump punch presence warmth air sparkle shimmer grit crunch crunchy
   wah wah-wah tremolo-picked palm-muted power-chord power-chords fingerpicked fingerpicking slap`,
  // Nouns: what, who, where, when, what for.
  `music song songs track tracks tune tunes piece pieces instrumental instrumentals background sound soundtrack jingle
   vibe vibes mood moods feeling feelings energy style styles genre genres band bands group groups ensemble quartet
   trio duo quintet artist artists male female man woman men women boy girl child children kids kid crowd audience
   people party club festival concert stage night nights day days morning evening afternoon midnight dawn dusk sunset
   sunrise summer winter spring autumn rain rainy storm stormy thunder ocean sea waves wave beach island forest jungle
   nature birds bird wind water river fire city cities street streets road highway car cars train trains space stars
   star moon sun sky clouds cloud dream dreams love heart life world journey adventure battle war fight chase victory
   hero heroes villain boss level quest fantasy magic castle kingdom dragon ghost ghosts horror mystery detective
   spy thriller action robot robots machine machines history christmas holiday holidays halloween wedding birthday
   meditation yoga workout gym fitness exercise study focus concentration coffee shop cafe restaurant bar lounge
   hotel lobby elevator advertisement ad ads commercial corporate podcast youtube tiktok vlog documentary trailer
   intro menu credits cutscene boss-fight montage scene scenes sequence story storytelling tale hometown home house
   room bedroom garden park mountain mountains desert valley village town countryside farm road-trip travel flight
   airport subway underground tokyo paris london new-york york berlin ibiza miami detroit chicago memphis nashville
   seattle jamaica brazil cuba africa india japan korea china ireland scotland spain italy greece mexico egypt
   arabia persia russia europe america friends family kids' childhood memories memory nostalgia emotion emotions
   hope joy sadness fear anger peace calmness tension relaxation sleepiness focus happiness loneliness freedom
   celebration ceremony ritual prayer church temple cathedral heaven hell earth planet galaxy universe future past
   present time times era age generation decade century`,
  // More instruments, voices and prompt words.
  `hop brush brushes brushed pounding washed washed-out bowl bowls montuno jangly jangle rolling lute box music-box
   jam jams session sessions hand hands shouted shouting shout suspense sleigh passion wobble wobbles tin shakuhachi
   dembow bandoneon euphoric euphoria 138 slack slack-key fanfare fanfares line floor timbales pattern patterns strong
   metallic café relax guiro cabasa claves woodblock bodhran duduk ney santoor sarod tanpura bansuri dhol taiko kora
   mbira balafon charango quena panpipes pan cuatro dulcimer hurdy-gurdy zither autoharp lap-steel dobro resonator
   12-string baritone soprano alto tenor falsetto whisper whispered whispering spoken word words lyrics lyrical
   backing ad-libs cheering applause laughter harmonized harmonised doubled stacked glide gliding portamento bend
   bends bending feedback amp amplifier cabinet pedalboard looper synth-bass bass-guitar lead-guitar rhythm-guitar
   drumkit kit drummer's kick-drum snare-drum toms' hand-drums frame tuned-percussion mallet mallets sticks rimshot
   rim clicks click ticking clock heartbeat footsteps birdsong crickets waterfall fireplace thunderstorm city-sounds
   traffic crowd-noise noises animals animal rainforest underwater`,
  // Numbers, decades, durations, letters used as note names.
  `zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen
   eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand first second third fourth
   fifth sixth seventh eighth ninth tenth single double triple quadruple
   0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 24 25 30 32 40 45 50 60 64 65 70 75 80 85 90 95 100 105 110 115
   120 125 128 130 135 140 145 150 155 160 165 170 175 180 190 200 220 240 50s 60s 70s 80s 90s 00s 2000s 2010s 2020s
   1920s 1930s 1940s 1950s 1960s 1970s 1980s 1990s 1800s 18th 19th 20th 21st century minute minutes second seconds
   sec secs min mins hour hours long-form loopable seamless
   a b c d e f g a# c# d# f# g# ab bb db eb gb a-flat b-flat d-flat e-flat g-flat c-sharp d-sharp f-sharp g-sharp
   a-sharp am bm cm dm em fm gm maj min dim aug sus sus2 sus4 7th 9th 11th 13th maj7 min7 m7 dom7 ii v i iv vi`,
];

/** Subword pieces (no word-start marker) so plurals, -ing forms and compounds split into known parts. */
export const SUFFIXES: string[] = (
  `s es ed d ing er ers est ly y ish ness ful less ic al ity ion tion ive ous ics ism ist ists ment ments able
   like core wave step pop hop bpm ies ied ier iest en ern ward wards 's n't -`
).split(/\s+/).filter(Boolean);

/** The words, deduplicated, in rank order. */
export function studioWords(): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const group of GROUPS) {
    for (const w of group.split(/\s+/)) {
      if (w && !seen.has(w)) {
        seen.add(w);
        out.push(w);
      }
    }
  }
  return out;
}
